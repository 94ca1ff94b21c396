#!/usr/bin/env bash
# The manual way to share KMS-encrypted AMIs, as a runbook would have an engineer do it with the AWS CLI:
#   per image: one modify-image-attribute adding every target account to the launch permission;
#   per key:   get-key-policy, add the two statements AWS documents for cross-account EBS use
#              (use through EC2, and CreateGrant for AWS resources) naming every target root, put-key-policy.
# It is given the image ids and the key ARNs (a human would first have to find the keys from the snapshots,
# so this errs in the script's favour). Credentials, region and endpoint come from the environment:
#   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, ENDPOINT_URL.
# Usage: manual-share.sh IMAGES_FILE KEYS_FILE TARGETS_FILE   (one id / ARN / account per line)
set -euo pipefail

images_file=$1
keys_file=$2
targets_file=$3
endpoint=${ENDPOINT_URL:?set ENDPOINT_URL}
region=${AWS_DEFAULT_REGION:?set AWS_DEFAULT_REGION}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Shorthand list for the CLI: [{UserId=2000...},{UserId=...}]
permissions="Add=[$(sed 's/.*/{UserId=&}/' "$targets_file" | paste -sd, -)]"

while read -r image; do
  [ -n "$image" ] || continue
  aws --endpoint-url "$endpoint" ec2 modify-image-attribute --image-id "$image" --launch-permission "$permissions"
done < "$images_file"

while read -r key; do
  [ -n "$key" ] || continue
  aws --endpoint-url "$endpoint" kms get-key-policy --key-id "$key" --policy-name default --query Policy --output text > "$work/policy.json"
  python3 - "$work/policy.json" "$targets_file" "$region" <<'PY'
import json, sys
path, targets_file, region = sys.argv[1:4]
roots = [f"arn:aws:iam::{line.strip()}:root" for line in open(targets_file) if line.strip()]
policy = json.load(open(path))
via = {"kms:ViaService": f"ec2.{region}.amazonaws.com"}
policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") not in ("ManualShareUse", "ManualShareGrant")] + [
    {"Sid": "ManualShareUse", "Effect": "Allow", "Principal": {"AWS": roots},
     "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:ReEncrypt*", "kms:GenerateDataKeyWithoutPlaintext"],
     "Resource": "*", "Condition": {"StringEquals": via}},
    {"Sid": "ManualShareGrant", "Effect": "Allow", "Principal": {"AWS": roots},
     "Action": "kms:CreateGrant", "Resource": "*",
     "Condition": {"StringEquals": via, "Bool": {"kms:GrantIsForAWSResource": "true"}}},
]
json.dump(policy, open(path, "w"))
PY
  aws --endpoint-url "$endpoint" kms put-key-policy --key-id "$key" --policy-name default --policy "file://$work/policy.json"
done < "$keys_file"
