/*
 * Replays a fuzz corpus through a libFuzzer entry point without libFuzzer,
 * so every parser's corpus runs in plain `make check` (with the sanitizers of
 * that build).  Arguments are files or directories; with none, the
 * directory compiled in as FUZZ_CORPUS_DIR.  One TAP line per input: an input
 * passes when the target returns without crashing.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_INPUT_MAX (4u * 1024u * 1024u)

static int replay_count;
static int replay_failed;

static void
replay_file(const char *path)
{
	struct mesh_error err = {0};
	uint8_t *buf = NULL;
	size_t len = 0;

	replay_count++;
	if (mesh_file_read(path, REPLAY_INPUT_MAX, 0, &buf, &len, &err) != 0) {
		replay_failed++;
		printf("not ok %d - %s: %s\n", replay_count, path, err.text);
		return;
	}
	/* names the input a crash report belongs to */
	fprintf(stderr, "# replaying %s\n", path);
	(void)LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	printf("ok %d - %s\n", replay_count, path);
}

static void
replay_path(const char *path)
{
	struct dirent **names = NULL;
	struct stat st;
	char child[4096];
	int i, n;

	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		replay_file(path);
		return;
	}
	if ((n = scandir(path, &names, NULL, alphasort)) < 0) {
		printf("not ok %d - %s: cannot list\n", ++replay_count, path);
		replay_failed++;
		return;
	}
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' &&
		    snprintf(child, sizeof(child), "%s/%s", path, names[i]->d_name) <
			(int)sizeof(child))
			replay_file(child);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	int i;

	if (argc < 2)
		replay_path(FUZZ_CORPUS_DIR);
	for (i = 1; i < argc; i++)
		replay_path(argv[i]);
	if (replay_count == 0) {
		printf("not ok 1 - empty corpus\n");
		replay_count = replay_failed = 1;
	}
	printf("1..%d\n", replay_count);
	return replay_failed ? 1 : 0;
}
