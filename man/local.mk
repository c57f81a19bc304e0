# man: see Makefile.am
dist_man_MANS += man/meshssh.7
EXTRA_DIST += doc/DESIGN.md doc/STYLE.md
