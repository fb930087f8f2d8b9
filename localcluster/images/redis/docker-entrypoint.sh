#!/bin/sh
# Entrypoint of the test cluster's Redis image. It does what the official redis image's entrypoint does where pods
# depend on it (written for this repository, not copied):
#   - a first argument that is an option (-x, --x) or a .conf file means: redis-server with these arguments;
#   - redis-server started as root gives the files of its working directory (/data) to user redis and runs as
#     redis (uid 999) instead;
#   - the default umask 0022 becomes 0077, so the AOF and RDB files are private;
#   - anything else runs as it is: `exec "$@"`. The operator's pods pass their launcher as args (never command),
#     as non-root uid 999, so for them this is the exec.
set -e

case "${1:-}" in
  -* | *.conf) set -- redis-server "$@" ;;
esac

if [ "${1:-}" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . ! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

if [ "$(umask)" = 0022 ]; then
  umask 0077
fi

exec "$@"
