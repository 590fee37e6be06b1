#!/usr/bin/env bash
# Renders the production files for one release into OUTDIR:
#   OUTDIR/docker-compose.yml  <- deploy/docker-compose.prod.yml
#   OUTDIR/kalendar.env        <- deploy/env.prod.template (+ ENV_EXTRA lines), mode 600: the app containers'
#   OUTDIR/db.env              <- deploy/db.env.template, mode 600: the db container's (its password only)
#   OUTDIR/remote-deploy.sh    <- deploy/remote-deploy.sh (runs on the server)
# Values come from the environment (the deploy workflow maps repository secrets and variables onto it).
# Only the ${NAME} placeholders found in the templates are substituted (envsubst with an explicit list), and
# each of them must be exported, even if empty, so a placeholder nobody wired up fails here, not on the server.
# Without envsubst (Debian: gettext-base) a small Python renderer with the same semantics is used;
# KALENDAR_RENDERER=envsubst|python forces one.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: deploy/render.sh OUTDIR}
umask 077
mkdir -p "$out"

die() { echo "render: $*" >&2; exit 1; }

required=(DOCKERHUB_USERNAME IMAGE_TAG SECRET_KEY JWT_SECRET_KEY POSTGRES_PASSWORD FRONTEND_URL PUBLIC_URL DEFAULT_TIMEZONE
  TRUSTED_PROXIES REDIS_MAXMEMORY)
for name in "${required[@]}"; do
  [[ -n "${!name:-}" ]] || die "$name is required and empty"
done
[[ "$IMAGE_TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$ ]] || die "IMAGE_TAG is not a valid image tag"
[[ "$DOCKERHUB_USERNAME" =~ ^[a-z0-9][a-z0-9._-]*$ ]] || die "DOCKERHUB_USERNAME must be a lowercase Docker Hub name"
[[ "$POSTGRES_PASSWORD" =~ ^[A-Za-z0-9._~-]+$ ]] || die "POSTGRES_PASSWORD may hold only URL-safe characters [A-Za-z0-9._~-]"
[[ "$PUBLIC_URL" =~ ^https://[^/]+ ]] || die "PUBLIC_URL must be the service's https:// base URL (it runs behind TLS)"
[[ "$TRUSTED_PROXIES" =~ ^[0-9]$ ]] || die "TRUSTED_PROXIES must be the number of reverse proxies in front of web (0-9)"
[[ "$REDIS_MAXMEMORY" =~ ^[1-9][0-9]*(kb|mb|gb)$ ]] || die "REDIS_MAXMEMORY must look like 256mb or 1gb"
for name in SECRET_KEY JWT_SECRET_KEY; do
  value=${!name}
  (( ${#value} >= 16 )) || die "$name must be at least 16 characters"
done

renderer=${KALENDAR_RENDERER:-}
if [[ -z "$renderer" ]]; then
  if command -v envsubst >/dev/null 2>&1; then renderer=envsubst; else renderer=python; fi
fi

# render TEMPLATE OUTPUT
render() {
  local template=$1 output=$2 names name shell_format=""
  # shellcheck disable=SC2016  # literal dollar-brace patterns, not expansions
  names=$(grep -oE '\$\{[A-Za-z_][A-Za-z0-9_]*\}' "$template" | tr -d '${}' | sort -u || true)
  for name in $names; do
    [[ -v "$name" ]] || die "$name is used by $(basename "$template") but not set (map it in the deploy workflow)"
    case "${!name}" in
      *"'"* | *$'\n'* | *$'\r'*) die "$name must not contain a quote or a line break" ;;
    esac
    shell_format+="\${$name} "
  done
  case "$renderer" in
    envsubst) envsubst "$shell_format" <"$template" >"$output" ;;
    python)
      python3 - "$template" "$shell_format" >"$output" <<'PY'
import os
import re
import sys

# envsubst SHELL-FORMAT semantics: only the listed names, as $NAME or ${NAME}; unset means empty.
template, shell_format = sys.argv[1], sys.argv[2]
names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", shell_format))
pattern = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def substitute(match: re.Match) -> str:
    name = match.group(1) or match.group(2)
    return os.environ.get(name, "") if name in names else match.group(0)


with open(template, encoding="utf-8") as handle:
    sys.stdout.write(pattern.sub(substitute, handle.read()))
PY
      ;;
    *) die "unknown KALENDAR_RENDERER=$renderer" ;;
  esac
  # shellcheck disable=SC2016
  if grep -n '\${' "$output" >&2; then
    die "placeholders left in $output"
  fi
}

render "$here/docker-compose.prod.yml" "$out/docker-compose.yml"
render "$here/env.prod.template" "$out/kalendar.env"
render "$here/db.env.template" "$out/db.env"
if [[ -n "${ENV_EXTRA:-}" ]]; then
  printf '\n# ENV_EXTRA\n%s\n' "$ENV_EXTRA" >>"$out/kalendar.env"
fi
cp "$here/remote-deploy.sh" "$out/remote-deploy.sh"
chmod 600 "$out/kalendar.env" "$out/db.env" "$out/docker-compose.yml"
chmod 700 "$out/remote-deploy.sh"
echo "render: $out ready (image ${DOCKERHUB_USERNAME}/kalendar:${IMAGE_TAG}, renderer $renderer)"
