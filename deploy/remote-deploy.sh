#!/usr/bin/env bash
# Runs on the server as the `deploy` user, from a release directory the deploy workflow uploaded:
#   <DEPLOY_PATH>/releases/<run id>-<attempt>/{docker-compose.yml,kalendar.env,remote-deploy.sh}
# Pulls the images, applies migrations (stops here, old containers untouched, if they fail), replaces the
# containers, waits for web to be healthy, then points <DEPLOY_PATH>/current at this release.
# Rolling back by hand: run this script from an older release directory (see docs/deployment.md).
set -euo pipefail

release_dir=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$release_dir")")
keep_releases=${KEEP_RELEASES:-10}
cd "$release_dir"
chmod 600 kalendar.env

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
# Keep the newest releases for rollbacks; images stay on Docker Hub under their run-id tags.
find "$root/releases" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' | sort -rn | tail -n +"$((keep_releases + 1))" \
  | cut -d' ' -f2- | xargs -r rm -rf --
docker image prune -f >/dev/null
docker compose ps
echo "deploy: done ($(basename "$release_dir"))"
