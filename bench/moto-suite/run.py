#!/usr/bin/env python3
"""Runs moto's own test files against moto_server and against LocalCloud, one fresh server per file and no reset
between tests (MOTO_CALL_RESET_API=false), and compares: of the tests moto_server passes, how many LocalCloud passes.

usage: run.py MOTO_SRC [FILE ...] [--amishare CMD] [--only moto|localcloud] [--out DIR] [--divergences FILE]
MOTO_SRC is a checkout of getmoto/moto at the tag of the installed moto (5.2.1); this script only runs its tests.
It prints two figures: of all the tests moto_server passes, and of those whose moto behaviour matches AWS, i.e.
without the tests listed in divergences.txt (each with the AWS behaviour moto departs from).
"""
import argparse, fnmatch, json, os, shlex, socket, subprocess, sys, time, urllib.request, xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = ["tests/test_ec2/test_amis.py", "tests/test_ec2/test_elastic_block_store.py", "tests/test_kms/test_kms.py",
         "tests/test_kms/test_kms_encrypt.py", "tests/test_kms/test_kms_grants.py", "tests/test_sts/test_sts.py"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url, proc, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited ({proc.returncode}) before answering {url}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it listens
        except Exception:
            time.sleep(0.5)
    raise SystemExit(f"server did not answer {url}")


def start(kind, port, amishare):
    log = open(os.path.join(args.out, f"{kind}-server.log"), "a")
    if kind == "moto":
        cmd = ["moto_server", "-H", "127.0.0.1", "-p", str(port)]
    else:
        cmd = shlex.split(amishare) + ["local", "serve", "--port", str(port), "--seed",
                                      os.path.join(HERE, "seed.json"), "--accept-unknown-keys", "123456789012"]
    proc = subprocess.Popen(cmd, stdout=log, stderr=log, start_new_session=True)
    wait_up(f"http://127.0.0.1:{port}/", proc)
    return proc


def run_file(kind, path):
    port = free_port()
    proc = start(kind, port, args.amishare)
    xml = os.path.join(args.out, f"{kind}-{os.path.basename(path)}.xml")
    env = dict(os.environ, TEST_SERVER_MODE="true", TEST_SERVER_MODE_ENDPOINT=f"http://127.0.0.1:{port}",
               MOTO_CALL_RESET_API="false", AWS_DEFAULT_REGION="us-east-1")
    try:
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                        f"--junitxml={xml}", path], cwd=args.moto_src, env=env,
                       stdout=open(os.path.join(args.out, f"{kind}-{os.path.basename(path)}.log"), "w"),
                       stderr=subprocess.STDOUT)
    finally:
        os.killpg(proc.pid, 15)
        proc.wait()
    passed = set()
    for case in ET.parse(xml).iter("testcase"):
        if not any(child.tag in ("failure", "error", "skipped") for child in case):
            passed.add(f"{case.get('classname')}::{case.get('name')}")
    return passed


parser = argparse.ArgumentParser()
parser.add_argument("moto_src")
parser.add_argument("files", nargs="*", default=FILES)
parser.add_argument("--amishare", default="dotnet run --no-build --project src/AmiShare.Cli --")
parser.add_argument("--only", choices=["moto", "localcloud"])
parser.add_argument("--out", default=os.path.join(HERE, "out"))
parser.add_argument("--divergences", default=os.path.join(HERE, "divergences.txt"))
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
results_path = os.path.join(args.out, "passed.json")
results = json.load(open(results_path)) if os.path.exists(results_path) else {}
for kind in ["moto", "localcloud"]:
    if args.only and args.only != kind:
        continue
    for f in args.files:
        results.setdefault(kind, {})[f] = sorted(run_file(kind, f))
        print(f"{kind:10} {f}: {len(results[kind][f])} passed", flush=True)
json.dump(results, open(results_path, "w"), indent=1)

# The summary covers every file measured so far (passed.json accumulates), so one file can be re-run alone.
total_moto = total_both = 0
# Test ids (or patterns ending in *) where moto departs from AWS; text after '#' is the reason.
patterns = [line.split("#", 1)[0].strip() for line in open(args.divergences)] if os.path.exists(args.divergences) else []
patterns = [p for p in patterns if p]
def divergent(test):
    return any(fnmatch.fnmatchcase(test, p) if p.endswith("*") else test == p for p in patterns)
faithful_moto = faithful_both = 0
for f in [f for f in FILES + sorted(set(args.files) - set(FILES)) if f in results.get("moto", {})]:
    moto = set(results.get("moto", {}).get(f, []))
    lc = set(results.get("localcloud", {}).get(f, []))
    total_moto += len(moto)
    total_both += len(moto & lc)
    faithful = {t for t in moto if not divergent(t)}
    faithful_moto += len(faithful)
    faithful_both += len(faithful & lc)
    print(f"{f}: {len(moto & lc)} of {len(moto)}; without moto-vs-AWS divergences {len(faithful & lc)} of {len(faithful)}")
    with open(os.path.join(args.out, f"missing-{os.path.basename(f)}.txt"), "w") as m:
        m.write("\n".join(t + ("  # moto-vs-AWS divergence" if divergent(t) else "") for t in sorted(moto - lc)) + "\n")
pct = 100.0 * total_both / total_moto if total_moto else 0.0
print(f"LocalCloud passes {total_both} of the {total_moto} tests moto_server passes ({pct:.0f}%)")
fpct = 100.0 * faithful_both / faithful_moto if faithful_moto else 0.0
print(f"LocalCloud passes {faithful_both} of the {faithful_moto} whose moto behaviour matches AWS ({fpct:.0f}%; "
      f"{total_moto - faithful_moto} tests listed in {os.path.basename(args.divergences)} left out)")
