#!/usr/bin/env bash
# Delivery checks that need no Docker engine: the workflows (actionlint + GitHub workflow schema), the
# Dockerfile (hadolint), both compose files (Compose specification), the shell scripts (shellcheck), the
# Procfile commands against the Dockerfile and the compose files, .env.example against the variables the
# code reads, and the envsubst rendering of the production files with a sample environment.
# Tools come from requirements-dev.txt through `make install` (.venv); TOOLS_BIN=/path/to/bin uses another
# environment instead. Runs every check, then exits non-zero if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -n "${TOOLS_BIN:-}" ]]; then
  bin=$(cd "$TOOLS_BIN" && pwd)
else
  make --no-print-directory install
  bin="$PWD/${VENV:-.venv}/bin"
fi
export PATH="$bin:$PATH" # actionlint runs the shellcheck found on PATH on every `run:` script
for tool in actionlint hadolint check-jsonschema shellcheck python; do
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

# A sample of what the deploy workflow exports (values shaped like the real ones; no real secrets).
sample_env() {
  env DOCKERHUB_USERNAME=example IMAGE_TAG=1234567890 \
    SECRET_KEY=sample-secret-key-0123456789abcdef JWT_SECRET_KEY=sample-jwt-secret-0123456789abcdef \
    POSTGRES_PASSWORD=sample-Password_1.2 FRONTEND_URL=https://app.example.com PUBLIC_URL=https://api.example.com \
    CORS_ORIGINS=https://app.example.com,https://admin.example.com DEFAULT_TIMEZONE=Europe/Moscow \
    TELEGRAM_BOT_TOKEN=123456:sample VK_CLIENT_ID=12345 VK_CLIENT_SECRET=sample-vk-secret \
    ENV_EXTRA="WEB_CONCURRENCY='3'" "$@"
}

rendering() {
  local renderers=(python) renderer
  command -v envsubst >/dev/null 2>&1 && renderers=(envsubst python)
  for renderer in "${renderers[@]}"; do
    sample_env KALENDAR_RENDERER="$renderer" deploy/render.sh "$work/$renderer" >/dev/null || return 1
    # shellcheck disable=SC2016  # literal dollar-brace
    if grep -n '\${' "$work/$renderer"/docker-compose.yml "$work/$renderer"/kalendar.env; then
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
  [[ $(stat -c %a "$out/kalendar.env") == 600 ]] || { echo "   kalendar.env is not mode 600" >&2; return 1; }
  # Refusals: an empty required secret, a value that would break the quoting, a tag that is not a tag.
  if sample_env SECRET_KEY= deploy/render.sh "$work/bad" 2>/dev/null ||
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
