# SPDX-License-Identifier: Apache-2.0
# The Debian package (issue #9): `cpack -G DEB` in a build tree, or `./run.sh package`.
# What goes in it is the install() rules of the modules and of packaging/CMakeLists.txt; this
# file adds the man pages (gzip'd, as Debian policy 12.1 wants) and the package's metadata.
#
# The binaries' compiled-in defaults (/etc/sovereignd, /usr/share/sovereignd/rules,
# /var/lib/sovereignd) are the Debian locations, so the package installs under /usr whatever
# CMAKE_INSTALL_PREFIX the build tree has, and writes /etc/sovereignd through DESTDIR.

# cpack must not rebuild the whole tree (tests, benchmarks) before installing: the package
# needs the two binaries, which `ninja sovereignd sovereignctl` builds.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# Man pages: compressed when installed (not at build time, so a page edited after the last
# build is still the one packaged). -n keeps timestamps out: the package is reproducible.
find_program(SOV_GZIP gzip REQUIRED)
file(GLOB sov_man_pages CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/man/*.[158])
foreach(page ${sov_man_pages})
  get_filename_component(name ${page} NAME)
  string(REGEX REPLACE ".*\\.([158])$" "\\1" section ${name})
  set(gz ${PROJECT_BINARY_DIR}/man/${name}.gz)
  install(CODE "file(MAKE_DIRECTORY \"${PROJECT_BINARY_DIR}/man\")
execute_process(COMMAND \"${SOV_GZIP}\" -9nc \"${page}\" OUTPUT_FILE \"${gz}\"
                COMMAND_ERROR_IS_FATAL ANY)")
  install(FILES ${gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sovereignd)
set(CPACK_PACKAGE_VENDOR "sovereignd project")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "audits hosting against EU sovereign-hosting law")
set(CPACK_PACKAGE_DESCRIPTION
    "sovereignd probes TLS endpoints, object storage, databases, local data paths and key
custody (HSM, key files, KMS), and judges the facts with rule sets that carry the law
(SecNumCloud, HDS, the SREN act, GDPR transfers). Findings are stored hash-chained with
their evidence; sovereignctl reads, diffs, verifies and exports them.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# Absolute destinations (/etc/sovereignd) land in the package, not on the build machine:
# cpack installs with DESTDIR, under CPACK_INSTALL_PREFIX rather than CMAKE_INSTALL_PREFIX.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "sovereignd maintainers <sovereignd@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Runtime libraries (OpenSSL, SQLite, yaml-cpp, libsystemd, p11-kit, ...) found by
# dpkg-shlibdeps (dpkg-dev) from the binaries themselves; systemd for sysusers and tmpfiles.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
# The TLS probe verifies chains against the system trust store by default.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
# A software token for the key custody probe, PKCS#11 module registration, and the
# Prometheus side of packaging/prometheus.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "softhsm2, p11-kit-modules, opensc-pkcs11, prometheus, prometheus-alertmanager")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm
    ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
