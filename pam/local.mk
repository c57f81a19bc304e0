# pam_mesh.so: a thin module over lib/libuserdb_pic.la, libc + libpam only,
# no sanitizers (see lib/userdb.mk), exporting only pam_sm_*.
pam_LTLIBRARIES = pam/pam_mesh.la
pam_pam_mesh_la_SOURCES = pam/pam_mesh.c
pam_pam_mesh_la_CFLAGS = $(WARN_CFLAGS) $(HARDEN_CFLAGS)
pam_pam_mesh_la_LDFLAGS = -module -avoid-version -shared -no-undefined \
	-Wl,--version-script=$(top_srcdir)/pam/pam_mesh.sym -Wl,-z,relro,-z,now
pam_pam_mesh_la_LIBADD = lib/libuserdb_pic.la $(PAM_LIBS)
EXTRA_pam_pam_mesh_la_DEPENDENCIES = $(top_srcdir)/pam/pam_mesh.sym
EXTRA_DIST += pam/pam_mesh.sym etc/sudoers.d/meshssh

install-data-hook: install-pam-mesh
install-pam-mesh:
	rm -f $(DESTDIR)$(pamdir)/pam_mesh.la
.PHONY: install-pam-mesh
uninstall-hook: uninstall-pam-mesh
uninstall-pam-mesh:
	rm -f $(DESTDIR)$(pamdir)/pam_mesh.so
.PHONY: uninstall-pam-mesh
