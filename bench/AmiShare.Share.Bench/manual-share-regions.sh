#!/usr/bin/env bash
# The manual way to share KMS-encrypted AMIs into several Regions with the AWS CLI, as a runbook would have it:
#   the home Region as manual-share.sh does it (launch permission per image, the two documented statements per key);
#   then per destination Region: copy-image of every image under that Region's key (called in the destination),
#   one `ec2 wait image-available` for all of them, modify-image-attribute per copy, and the destination key's
#   policy edited the same way (kms:ViaService of that Region).
# It is handed the ids and key ARNs (a human would first have to find them), so this errs in the script's favour.
# Credentials, the home Region and the endpoint come from the environment as for manual-share.sh.
# Usage: manual-share-regions.sh IMAGES_FILE KEYS_FILE TARGETS_FILE DESTINATIONS_FILE   (DESTINATIONS: "REGION KEY_ARN" per line)
set -euo pipefail

images_file=$1
keys_file=$2
targets_file=$3
destinations_file=$4
endpoint=${ENDPOINT_URL:?set ENDPOINT_URL}
home=${AWS_DEFAULT_REGION:?set AWS_DEFAULT_REGION}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bash "$here/manual-share.sh" "$images_file" "$keys_file" "$targets_file"

permissions="Add=[$(sed 's/.*/{UserId=&}/' "$targets_file" | paste -sd, -)]"
while read -r region key; do
  [ -n "$region" ] || continue
  : > "$work/copies.txt"
  while read -r image; do
    [ -n "$image" ] || continue
    aws --endpoint-url "$endpoint" --region "$region" ec2 copy-image --source-region "$home" --source-image-id "$image" \
      --name "$image-$region" --encrypted --kms-key-id "$key" --query ImageId --output text >> "$work/copies.txt"
  done < "$images_file"
  # shellcheck disable=SC2046
  aws --endpoint-url "$endpoint" --region "$region" ec2 wait image-available --image-ids $(cat "$work/copies.txt")
  while read -r copy; do
    aws --endpoint-url "$endpoint" --region "$region" ec2 modify-image-attribute --image-id "$copy" --launch-permission "$permissions"
  done < "$work/copies.txt"
  echo "$key" > "$work/key.txt"
  AWS_DEFAULT_REGION=$region bash "$here/manual-share.sh" /dev/null "$work/key.txt" "$targets_file"
done < "$destinations_file"
