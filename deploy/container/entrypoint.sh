#!/bin/sh
# The image's entrypoint: the configuration comes from a mounted file
# (ALERTD_CONFIG, default /etc/alertd/alertd.yaml when it exists) or from the
# environment (ALERTD_CONFIG_YAML, the whole file's text); without either,
# alertd runs on its embedded defaults. ${VAR} in the file are read from the
# environment by alertd itself, so secrets can come from env (a Kubernetes
# Secret). State lives in the working directory, /var/lib/alertd (a volume).
set -eu

config="${ALERTD_CONFIG:-/etc/alertd/alertd.yaml}"
if [ -n "${ALERTD_CONFIG_YAML:-}" ]; then
  config="${TMPDIR:-/tmp}/alertd.yaml"
  umask 077
  printf '%s\n' "$ALERTD_CONFIG_YAML" > "$config"
fi

set -- --listen "${ALERTD_LISTEN:-0.0.0.0:9880}" "$@"
if [ -f "$config" ]; then
  set -- --config "$config" "$@"
fi
exec /usr/local/bin/alertd "$@"
