# lib/policy: the Tailscale-compatible SSH policy engine (parse, decide, sshTests).
lib_libmeshcore_a_SOURCES += \
	lib/policy.c lib/policy.h lib/policy_int.h \
	lib/policy_strtab.c lib/policy_decide.c lib/policy_sshtest.c
