# SPDX-License-Identifier: Apache-2.0
# Writes ${out}, the /etc/sovereignd/sovereignd.yaml the package installs, from ${in}, the
# example holding every key (packaging/examples/sovereignd.yaml, tested against the keyword
# table). Every key line is commented out with a bare "#" at column 0 (explanations keep
# their "# "), so uncommenting a key restores its indentation; the installed daemon starts
# with no target rather than probing example.fr hosts or reading attestation files that do
# not exist. The example's own header (up to its first blank line) is replaced.
find_program(SED sed REQUIRED)
execute_process(COMMAND ${SED} -e "1,/^$/d" -e "s/^\\( *[^ #]\\)/#\\1/" "${in}"
                OUTPUT_VARIABLE body COMMAND_ERROR_IS_FATAL ANY)
file(WRITE "${out}" "# /etc/sovereignd/sovereignd.yaml: the configuration of sovereignd(8), see sovereignd.yaml(5).
# Installed with no target: every key is below, commented out (#key), after a comment saying
# what it means. Uncomment and edit what you need, check with
#   sovereignd --check-config
# then start the daemon with `systemctl enable --now sovereignd`.
# Relative paths resolve against /etc/sovereignd. Secrets are never written here: secret keys
# name a file or an environment variable. Defaults: `sovereignctl config schema`.

${body}")
