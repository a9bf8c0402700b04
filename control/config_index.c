/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The line scan of config_index.h. Each line is cut exactly as
 * rte_cfgfile_load() cuts it (comment at the first unescaped ';', spaces
 * stripped, '[' starts a section, the first '=' splits key and value), so a
 * file this scan accepts is one rte_cfgfile reads the same way.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_index.h"
#include "mip_secret.h"

/* rte_cfgfile's own line buffer: longer lines make it fail. */
#define LINE_MAX_LEN (CFG_NAME_LEN + CFG_VALUE_LEN + 4)

static void index_error(char *err, size_t errlen, const char *path, unsigned int line,
			const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "%s:%u: ", path, line);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
}

/* Strips leading and trailing white space in place; returns the new start. */
static char *strip(char *s)
{
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return s;
}

static int index_add(struct mipha_cfg_index *idx, const char *section, const char *key,
		     unsigned int line)
{
	struct mipha_cfg_line *l;

	if (idx->n == idx->cap) {
		size_t cap = idx->cap ? idx->cap * 2 : 32;
		struct mipha_cfg_line *v = realloc(idx->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		idx->v = v;
		idx->cap = cap;
	}
	l = &idx->v[idx->n++];
	snprintf(l->section, sizeof(l->section), "%s", section);
	snprintf(l->key, sizeof(l->key), "%s", key);
	l->line = line;
	return 0;
}

unsigned int mipha_cfg_index_line(const struct mipha_cfg_index *idx, const char *section,
				  const char *key)
{
	size_t i;

	if (key == NULL)
		key = "";
	for (i = 0; i < idx->n; i++)
		if (strcmp(idx->v[i].section, section) == 0 && strcmp(idx->v[i].key, key) == 0)
			return idx->v[i].line;
	return 0;
}

void mipha_cfg_index_free(struct mipha_cfg_index *idx)
{
	free(idx->v);
	memset(idx, 0, sizeof(*idx));
}

/* A "[name]" line. */
static int scan_section(struct mipha_cfg_index *idx, char *buf, char *cur, size_t curlen,
			unsigned int line, const char *path, char *err, size_t errlen)
{
	char *end = strchr(buf, ']');
	char *name;
	unsigned int first;

	if (end == NULL) {
		index_error(err, errlen, path, line, "section header without ']'");
		return -1;
	}
	if (*strip(end + 1) != '\0') {
		index_error(err, errlen, path, line, "text after the section header's ']'");
		return -1;
	}
	*end = '\0';
	name = strip(buf + 1);
	if (*name == '\0') {
		index_error(err, errlen, path, line, "empty section name");
		return -1;
	}
	if (strlen(name) >= CFG_NAME_LEN) {
		index_error(err, errlen, path, line, "section name longer than %d characters",
			    CFG_NAME_LEN - 1);
		return -1;
	}
	first = mipha_cfg_index_line(idx, name, NULL);
	if (first != 0) {
		index_error(err, errlen, path, line, "section [%s] repeated (first at line %u)",
			    name, first);
		return -1;
	}
	snprintf(cur, curlen, "%s", name);
	if (index_add(idx, name, "", line) != 0) {
		index_error(err, errlen, path, line, "out of memory");
		return -1;
	}
	return 0;
}

/* A "key = value" line inside section cur. */
static int scan_entry(struct mipha_cfg_index *idx, char *buf, const char *cur,
		      unsigned int line, const char *path, char *err, size_t errlen)
{
	char *eq = strchr(buf, '=');
	char *key, *value;
	unsigned int first;

	if (eq == NULL) {
		index_error(err, errlen, path, line,
			    "neither a [section] nor a key = value line");
		return -1;
	}
	*eq = '\0';
	key = strip(buf);
	value = strip(eq + 1);
	if (cur[0] == '\0') {
		index_error(err, errlen, path, line, "key '%s' before any [section]", key);
		return -1;
	}
	if (*key == '\0') {
		index_error(err, errlen, path, line, "[%s] key = value line without a key", cur);
		return -1;
	}
	if (strlen(key) >= CFG_NAME_LEN) {
		index_error(err, errlen, path, line, "[%s] key name longer than %d characters",
			    cur, CFG_NAME_LEN - 1);
		return -1;
	}
	if (*value == '\0') {
		index_error(err, errlen, path, line, "[%s] %s: empty value", cur, key);
		return -1;
	}
	if (strlen(value) >= CFG_VALUE_LEN) {
		index_error(err, errlen, path, line, "[%s] %s: value longer than %d characters",
			    cur, key, CFG_VALUE_LEN - 1);
		return -1;
	}
	first = mipha_cfg_index_line(idx, cur, key);
	if (first != 0) {
		index_error(err, errlen, path, line, "[%s] %s: key repeated (first at line %u)",
			    cur, key, first);
		return -1;
	}
	if (index_add(idx, cur, key, line) != 0) {
		index_error(err, errlen, path, line, "out of memory");
		return -1;
	}
	return 0;
}

/* Cuts the comment as rte_cfgfile does: at the first ';' unless escaped. */
static void cut_comment(char *buf)
{
	char *pos = strchr(buf, CFG_DEFAULT_COMMENT_CHARACTER);

	if (pos != NULL && (pos == buf || pos[-1] != '\\'))
		*pos = '\0';
}

static int scan_file(FILE *f, struct mipha_cfg_index *idx, const char *path, char *err,
		     size_t errlen)
{
	char buf[LINE_MAX_LEN];
	char cur[CFG_NAME_LEN] = "";
	unsigned int line = 0;
	int error = 0;

	while (error == 0 && fgets(buf, sizeof(buf), f) != NULL) {
		size_t len = strlen(buf);
		char *s;

		line++;
		if (len == sizeof(buf) - 1 && buf[len - 1] != '\n') {
			index_error(err, errlen, path, line, "line longer than %d characters",
				    LINE_MAX_LEN - 2);
			error = -1;
			break;
		}
		cut_comment(buf);
		s = strip(buf);
		if (*s == '\0')
			continue;
		if (*s == '[')
			error = scan_section(idx, s, cur, sizeof(cur), line, path, err, errlen);
		else
			error = scan_entry(idx, s, cur, line, path, err, errlen);
	}
	/* The file holds SA keys: leave none of it on the stack. */
	mip_wipe(buf, sizeof(buf));
	idx->n_lines = line;
	if (error == 0 && ferror(f)) {
		index_error(err, errlen, path, line, "read error");
		error = -1;
	}
	return error;
}

int mipha_cfg_index_build(const char *path, struct mipha_cfg_index *idx, char *err,
			  size_t errlen)
{
	/* Our own stdio buffer, so the key bytes it saw can be wiped. */
	char iobuf[4096];
	FILE *f;
	int error;

	memset(idx, 0, sizeof(*idx));
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	error = scan_file(f, idx, path, err, errlen);
	fclose(f);
	mip_wipe(iobuf, sizeof(iobuf));
	if (error != 0)
		mipha_cfg_index_free(idx);
	return error;
}
