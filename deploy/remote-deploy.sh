#!/usr/bin/env bash
# Runs on the server as the `deploy` user, from a release directory the deploy workflow uploaded:
#   <DEPLOY_PATH>/releases/<run id>-<attempt>/{docker-compose.yml,kalendar.env,db.env,remote-deploy.sh}
# Pulls the images, applies migrations (stops here, old containers untouched, if they fail), replaces the
# containers, waits for web to be healthy, then points <DEPLOY_PATH>/current at this release and marks it
# deployed. Keeps the KEEP_RELEASES most recently deployed releases (failed ones do not count and are
# removed) and the images they use; other images of the repository are removed.
# Rolling back by hand: run this script from an older release directory (see docs/deployment.md).
set -euo pipefail

release_dir=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$release_dir")")
keep_releases=${KEEP_RELEASES:-10}
(( keep_releases >= 1 )) || keep_releases=1 # the release just deployed always stays
cd "$release_dir"
chmod 600 kalendar.env db.env

echo "deploy: pulling images"
docker compose pull --quiet

echo "deploy: applying migrations (Procfile release)"
docker compose run --rm migrate

echo "deploy: replacing containers"
docker compose up -d --remove-orphans

echo "deploy: waiting for web to be healthy"
status=""
for _ in $(seq 1 90); do
  container=$(docker compose ps -q web)
  status=$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$container" 2>/dev/null || true)
  [[ "$status" == healthy ]] && break
  sleep 2
done
if [[ "$status" != healthy ]]; then
  docker compose ps
  docker compose logs --tail 100 web
  echo "deploy: web did not become healthy (status: ${status:-none})" >&2
  exit 1
fi

ln -sfn "$release_dir" "$root/current"
touch "$release_dir/.deployed"

# Rollback material: the most recently deployed releases (a rollback re-marks an old one, so it counts as
# recent). A release that never became healthy has no marker: it is removed, and never counts.
mapfile -t deployed < <(find "$root/releases" -mindepth 2 -maxdepth 2 -name .deployed -printf '%T@ %h\n' \
  | sort -rn | cut -d' ' -f2-)
keep=("${deployed[@]:0:keep_releases}")
for dir in "$root"/releases/*/; do
  dir=${dir%/}
  [[ " ${keep[*]} " == *" $dir "* ]] || rm -rf -- "$dir"
done
# Images: only the kept releases' (older tags stay on Docker Hub, pulled again by a rollback that needs them).
image=$(sed -n 's/^  image: //p' docker-compose.yml)
wanted=$(for dir in "${keep[@]}"; do sed -n 's/^  image: //p' "$dir/docker-compose.yml"; done | sort -u)
docker image ls "${image%:*}" --format '{{.Repository}}:{{.Tag}}' | while read -r ref; do
  grep -qxF "$ref" <<<"$wanted" || docker image rm "$ref" >/dev/null || true
done
docker image prune -f >/dev/null
docker compose ps
echo "deploy: done ($(basename "$release_dir"))"
