/*
 * The session environment: what sshd sets, what the client may add through
 * acceptEnv, and that the client can never override the server's variables.
 */
#include "config.h"

#include <string.h>

#include "session_env.h"
#include "tap.h"

static void
test_accept(void)
{
	const char *const pats[] = {"LANG", "LC_*", "GIT_?", NULL};

	ok(sshd_env_accepted(pats, "LANG"), "exact pattern");
	ok(sshd_env_accepted(pats, "LC_ALL"), "star pattern");
	ok(sshd_env_accepted(pats, "GIT_X"), "question-mark pattern");
	ok(!sshd_env_accepted(pats, "GIT_XY"), "question mark is one char");
	ok(!sshd_env_accepted(pats, "LD_PRELOAD"), "unlisted refused");
	ok(!sshd_env_accepted(NULL, "LANG"), "no acceptEnv: nothing accepted");
	ok(!sshd_env_accepted(pats, "LC_A=B"), "invalid name refused even if pattern matches");
	ok(sshd_env_name_valid("_A1"), "underscore start valid");
	ok(!sshd_env_name_valid("1A"), "digit start invalid");
	ok(!sshd_env_name_valid(""), "empty invalid");
	ok(sshd_user_name_valid("alice") && sshd_user_name_valid("john.doe") &&
		sshd_user_name_valid("Mixed_Case-1") && sshd_user_name_valid("host$"),
	    "ordinary user names valid");
	ok(!sshd_user_name_valid("") && !sshd_user_name_valid("-oProxy") &&
		!sshd_user_name_valid(".") && !sshd_user_name_valid(".."),
	    "empty, option-like, . and .. user names refused");
	ok(!sshd_user_name_valid("a:b") && !sshd_user_name_valid("../etc") &&
		!sshd_user_name_valid("a,b") && !sshd_user_name_valid("a b") &&
		!sshd_user_name_valid("a\nAccepted") && !sshd_user_name_valid("caf\xc3\xa9"),
	    "separators, whitespace, control and non-ASCII bytes refused");
	{
		char longname[SSHD_USER_NAME_MAX + 2];

		memset(longname, 'a', sizeof(longname) - 1);
		longname[SSHD_USER_NAME_MAX] = '\0';
		ok(sshd_user_name_valid(longname), "a user name of SSHD_USER_NAME_MAX bytes valid");
		longname[SSHD_USER_NAME_MAX] = 'a';
		longname[SSHD_USER_NAME_MAX + 1] = '\0';
		ok(!sshd_user_name_valid(longname), "one byte longer refused");
	}
}

static void
test_build(void)
{
	struct sshd_env client, out;
	char *pam[] = {(char *)"XDG_SESSION_ID=4", (char *)"bogus", NULL};
	struct sshd_env_params p = {
	    .user = "alice",
	    .home = "/home/alice",
	    .shell = "/bin/bash",
	    .uid = 1000,
	    .tty = "/dev/pts/3",
	    .term = "xterm-256color",
	    .client_addr = "100.64.0.7",
	    .client_port = 50522,
	    .server_addr = "100.64.0.1",
	    .server_port = 22,
	    .mesh_login = "alice@example.com",
	    .mesh_node = "laptop",
	    .auth_sock = "/tmp/ssh-x/agent.1",
	};

	sshd_env_init(&client);
	sshd_env_init(&out);
	ok(sshd_env_set(&client, "LANG", "C.UTF-8") == 0, "client LANG");
	ok(sshd_env_set(&client, "USER", "root") == 0, "client tries USER");
	ok(sshd_env_set(&client, "SSH_CONNECTION", "1.2.3.4 1 5.6.7.8 2") == 0,
	    "client tries SSH_");
	ok(sshd_env_set(&client, "LANG", "de_DE.UTF-8") == 0, "second LANG replaces");
	is_int(client.n, 3, "replace does not append");
	p.client = &client;
	p.pam_env = pam;
	is_int(sshd_env_build(&p, &out), 0, "build");
	is_str(sshd_env_get(&out, "USER"), "alice", "USER is the host user, not the client's");
	is_str(sshd_env_get(&out, "LOGNAME"), "alice", "LOGNAME");
	is_str(sshd_env_get(&out, "HOME"), "/home/alice", "HOME");
	is_str(sshd_env_get(&out, "SHELL"), "/bin/bash", "SHELL");
	is_str(sshd_env_get(&out, "PATH"), SSHD_PATH_USER, "PATH for a user");
	is_str(sshd_env_get(&out, "MAIL"), "/var/mail/alice", "MAIL");
	is_str(sshd_env_get(&out, "TERM"), "xterm-256color", "TERM");
	is_str(sshd_env_get(&out, "SSH_CONNECTION"), "100.64.0.7 50522 100.64.0.1 22",
	    "SSH_CONNECTION is the server's");
	is_str(sshd_env_get(&out, "SSH_CLIENT"), "100.64.0.7 50522 22", "SSH_CLIENT");
	is_str(sshd_env_get(&out, "SSH_TTY"), "/dev/pts/3", "SSH_TTY");
	is_str(sshd_env_get(&out, "SSH_AUTH_SOCK"), "/tmp/ssh-x/agent.1", "SSH_AUTH_SOCK");
	is_str(sshd_env_get(&out, "MESH_LOGIN"), "alice@example.com", "MESH_LOGIN");
	is_str(sshd_env_get(&out, "MESH_NODE"), "laptop", "MESH_NODE");
	is_str(sshd_env_get(&out, "LANG"), "de_DE.UTF-8", "accepted client LANG kept");
	is_str(sshd_env_get(&out, "XDG_SESSION_ID"), "4", "PAM variable kept");
	ok(out.v[out.n] == NULL, "NULL-terminated");
	sshd_env_clear(&out);

	sshd_env_init(&out);
	p.uid = 0;
	p.tty = NULL;
	p.term = NULL;
	p.auth_sock = NULL;
	p.client = NULL;
	p.pam_env = NULL;
	is_int(sshd_env_build(&p, &out), 0, "build without pty");
	is_str(sshd_env_get(&out, "PATH"), SSHD_PATH_ROOT, "root PATH has sbin");
	ok(sshd_env_get(&out, "SSH_TTY") == NULL, "no SSH_TTY without pty");
	ok(sshd_env_get(&out, "TERM") == NULL, "no TERM without pty");
	ok(sshd_env_get(&out, "SSH_AUTH_SOCK") == NULL, "no agent socket unless forwarded");
	sshd_env_clear(&out);
	sshd_env_clear(&client);
}

int
main(void)
{
	test_accept();
	test_build();
	return tap_done();
}
