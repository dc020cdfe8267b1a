/*
 * mustache.c - the Mustache engine (see mustache.h and docs/templates.md).
 *
 * Compiling runs in three passes over the source:
 *  1. tokenize: text and tags, following set-delimiter tags, checking that
 *     every section, block and parent is closed by its own name;
 *  2. standalone lines: a line holding only whitespace and one tag that
 *     prints nothing (or one of the pairs inheritance allows, such as
 *     "{{<parent}}{{$block}}") loses its indentation and its newline;
 *  3. build the nodes: a flat array in document order, where a container's
 *     content is the nodes from the one after it up to its `next` sibling.
 *     Rendering walks siblings with `next`, and freeing is one free().
 * Every string a template needs (text, names, indentation) lives in one
 * arena per template, addressed by offset.
 *
 * Rendering walks the nodes with a context stack (the values sections
 * pushed) and a stack of parent tags (whose blocks override the blocks of
 * the templates they include), both linked through the C stack; the
 * recursion is bounded by MUSTACHE_MAX_DEPTH for partials and parents and
 * by MAX_RENDER_NEST overall.
 */
#include "mustache.h"

#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"

#define MAX_NEST	100 /* containers open at once in one template */
#define MAX_NAME	255 /* bytes of a tag's name */
#define MAX_DELIM	16  /* bytes of a set delimiter */
#define MAX_RENDER_NEST 512 /* nested render calls: sections, blocks, partials */
/* Work and output one render may take. Nested sections over lists multiply
 * (ten levels over ten items is ten billion), so a template could otherwise
 * run for ever without nesting deep; a real page is far below both. */
#define MAX_RENDER_STEPS  (1u << 20)	     /* nodes visited */
#define MAX_RENDER_OUTPUT ((size_t)16 << 20) /* bytes written */

/* ---- tokens ---------------------------------------------------------- */

enum tok_kind {
	T_TEXT,
	T_VAR,	    /* {{name}} */
	T_RAW,	    /* {{{name}}} or {{&name}} */
	T_COMMENT,  /* {{! ...}} */
	T_SECTION,  /* {{#name}} */
	T_INVERTED, /* {{^name}} */
	T_CLOSE,    /* {{/name}} */
	T_PARTIAL,  /* {{>name}} */
	T_PARENT,   /* {{<name}} */
	T_BLOCK,    /* {{$name}} */
	T_DELIM,    /* {{=<% %>=}} */
};

struct tok {
	enum tok_kind kind;
	size_t start, end;	/* the text, or the whole tag with its delimiters */
	size_t name, name_len;	/* a tag's content, trimmed */
	size_t line;		/* where the token starts */
	size_t mate;		/* an opening tag's T_CLOSE, a T_CLOSE's opening tag */
	bool standalone;	/* a tag alone on its line (or in an allowed pair) */
	bool cut_head;		/* text: drop up to its first newline (a standalone before) */
	bool cut_tail;		/* text: drop after its last newline (a standalone after) */
	size_t indent, ind_len; /* a standalone tag: the whitespace before it */
};

/* ---- nodes ----------------------------------------------------------- */

enum node_kind {
	N_TEXT,
	N_VAR,
	N_RAW,
	N_SECTION,
	N_INVERTED,
	N_PARTIAL,
	N_PARENT,
	N_BLOCK,
};

struct node {
	enum node_kind kind;
	bool standalone;	/* partial, parent, block: indent what it renders */
	bool bol;		/* text, while compiling: starts at the start of a line */
	unsigned nseg;		/* names looked up: dotted parts (0 for ".") */
	size_t next;		/* the next sibling; a container holds [this + 1, next) */
	size_t str, len;	/* arena: the text, or the name, NUL-terminated (dotted
				 * parts of a looked-up name are NUL-separated) */
	size_t indent, ind_len; /* arena: a standalone tag's indentation */
	size_t line;		/* for mustache_set_check's messages */
};

struct mustache {
	struct node *nodes;
	size_t n;
	char *arena;
};

/* ---- compiling ------------------------------------------------------- */

struct compiler {
	const char *src;
	size_t len;
	struct tok *toks;
	size_t ntok, tok_cap;
	struct node *nodes;
	size_t nnode, node_cap;
	struct buf arena;
	char *msg;
	size_t msglen;
};

static void set_msg(char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_msg(char *msg, size_t msglen, const char *fmt, ...)
{
	if (!msg || !msglen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}

/* Grows an array of elements of size `size` to hold one more; false when it
 * cannot. */
static bool grow(void **arr, size_t *cap, size_t used, size_t size)
{
	if (used < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 64;
	if (ncap > SIZE_MAX / size)
		return false;
	void *p = realloc(*arr, ncap * size);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The first occurrence of needle (nlen > 0 bytes) in s[from, len), or len. */
static size_t find(const char *s, size_t len, size_t from, const char *needle, size_t nlen)
{
	assert(nlen > 0);
	while (from < len && len - from >= nlen) {
		const char *p = memchr(s + from, needle[0], len - from - nlen + 1);
		if (!p)
			break;
		size_t at = (size_t)(p - s);
		if (!memcmp(p, needle, nlen))
			return at;
		from = at + 1;
	}
	return len;
}

static size_t count_lines(const char *s, size_t from, size_t to)
{
	size_t n = 0;
	for (size_t i = from; i < to; i++)
		n += s[i] == '\n';
	return n;
}

/* Parses the content of a set-delimiter tag ("<% %>") into open and close;
 * false when it is not two whitespace-separated words without '='. */
static bool parse_delims(const char *s, size_t n, char *open, size_t *olen, char *close,
			 size_t *clen)
{
	size_t i = 0;
	while (i < n && is_space(s[i]))
		i++;
	size_t a = i;
	while (i < n && !is_space(s[i]))
		i++;
	size_t alen = i - a;
	while (i < n && is_space(s[i]))
		i++;
	size_t b = i;
	while (i < n && !is_space(s[i]))
		i++;
	size_t blen = i - b;
	while (i < n && is_space(s[i]))
		i++;
	if (i != n || !alen || !blen || alen > MAX_DELIM || blen > MAX_DELIM)
		return false;
	if (memchr(s + a, '=', alen) || memchr(s + b, '=', blen))
		return false;
	memcpy(open, s + a, alen);
	*olen = alen;
	memcpy(close, s + b, blen);
	*clen = blen;
	return true;
}

/* Checks a tag's name: non-empty, no whitespace or control characters, not
 * too long; a name looked up in the data is "." or dot-separated parts that
 * are not empty. */
static const char *bad_name(const char *s, size_t n, bool lookup)
{
	if (!n)
		return "empty tag name";
	if (n > MAX_NAME)
		return "tag name too long";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == 0x7f)
			return "whitespace or control character in a tag name";
	}
	if (lookup && !(n == 1 && s[0] == '.')) {
		if (s[0] == '.' || s[n - 1] == '.')
			return "a dotted name has an empty part";
		for (size_t i = 1; i < n; i++)
			if (s[i] == '.' && s[i - 1] == '.')
				return "a dotted name has an empty part";
	}
	return NULL;
}

static bool opens(enum tok_kind k)
{
	return k == T_SECTION || k == T_INVERTED || k == T_PARENT || k == T_BLOCK;
}

/* Pass 1: splits the source into tokens. */
static wm_err tokenize(struct compiler *c)
{
	const char *s = c->src;
	size_t len = c->len;
	char otag[MAX_DELIM + 1] = "{{", ctag[MAX_DELIM + 2] = "}}";
	size_t olen = 2, clen = 2;
	size_t stack[MAX_NEST];
	size_t depth = 0;
	size_t pos = 0, line = 1;

	while (pos < len) {
		size_t at = find(s, len, pos, otag, olen);
		if (at > pos) {
			if (!grow((void **)&c->toks, &c->tok_cap, c->ntok, sizeof *c->toks))
				return WM_ERR_NOMEM;
			c->toks[c->ntok++] =
			    (struct tok){.kind = T_TEXT, .start = pos, .end = at, .line = line};
			line += count_lines(s, pos, at);
		}
		if (at == len)
			break;

		size_t p = at + olen;
		char type = p < len ? s[p] : '\0';
		enum tok_kind kind;
		switch (type) {
		case '{':
			kind = T_RAW;
			break;
		case '&':
			kind = T_RAW;
			break;
		case '!':
			kind = T_COMMENT;
			break;
		case '#':
			kind = T_SECTION;
			break;
		case '^':
			kind = T_INVERTED;
			break;
		case '/':
			kind = T_CLOSE;
			break;
		case '>':
			kind = T_PARTIAL;
			break;
		case '<':
			kind = T_PARENT;
			break;
		case '$':
			kind = T_BLOCK;
			break;
		case '=':
			kind = T_DELIM;
			break;
		default:
			kind = T_VAR;
			break;
		}
		if (kind != T_VAR)
			p++;

		/* {{{name}}} ends with "}" and the closing delimiter, {{=a b=}}
		 * with "="; every other tag with the closing delimiter. */
		char needle[MAX_DELIM + 2];
		size_t nlen = 0;
		if (type == '{' || type == '=')
			needle[nlen++] = type == '{' ? '}' : '=';
		memcpy(needle + nlen, ctag, clen);
		nlen += clen;
		size_t q = p <= len ? find(s, len, p, needle, nlen) : len;
		if (q == len) {
			set_msg(c->msg, c->msglen, "line %zu: tag not closed", line);
			return WM_ERR_INVALID;
		}
		size_t end = q + nlen;
		size_t nm = p, nm_end = q;
		while (nm < nm_end && is_space(s[nm]))
			nm++;
		while (nm_end > nm && is_space(s[nm_end - 1]))
			nm_end--;

		struct tok t = {.kind = kind,
				.start = at,
				.end = end,
				.name = nm,
				.name_len = nm_end - nm,
				.line = line};
		if (kind == T_DELIM) {
			if (!parse_delims(s + p, q - p, otag, &olen, ctag, &clen)) {
				set_msg(c->msg, c->msglen, "line %zu: bad set-delimiter tag", line);
				return WM_ERR_INVALID;
			}
		} else if (kind != T_COMMENT) {
			bool lookup = kind == T_VAR || kind == T_RAW || kind == T_SECTION ||
				      kind == T_INVERTED;
			const char *why = bad_name(s + nm, nm_end - nm, lookup);
			if (why) {
				set_msg(c->msg, c->msglen, "line %zu: %s", line, why);
				return WM_ERR_INVALID;
			}
		}
		if (opens(kind)) {
			if (depth == MAX_NEST) {
				set_msg(c->msg, c->msglen,
					"line %zu: sections nested more than %d deep", line,
					MAX_NEST);
				return WM_ERR_INVALID;
			}
			stack[depth++] = c->ntok;
		} else if (kind == T_CLOSE) {
			if (!depth) {
				set_msg(c->msg, c->msglen,
					"line %zu: closing tag \"%.*s\" closes nothing", line,
					(int)t.name_len, s + nm);
				return WM_ERR_INVALID;
			}
			struct tok *o = &c->toks[stack[depth - 1]];
			if (o->name_len != t.name_len || memcmp(s + o->name, s + nm, t.name_len)) {
				set_msg(c->msg, c->msglen,
					"line %zu: closing tag \"%.*s\" does not match \"%.*s\" "
					"opened on line %zu",
					line, (int)t.name_len, s + nm, (int)o->name_len,
					s + o->name, o->line);
				return WM_ERR_INVALID;
			}
			o->mate = c->ntok;
			t.mate = stack[--depth];
		}
		if (!grow((void **)&c->toks, &c->tok_cap, c->ntok, sizeof *c->toks))
			return WM_ERR_NOMEM;
		c->toks[c->ntok++] = t;
		line += count_lines(s, at, end);
		pos = end;
	}
	if (depth) {
		const struct tok *o = &c->toks[stack[depth - 1]];
		set_msg(c->msg, c->msglen, "line %zu: \"%.*s\" is not closed", o->line,
			(int)o->name_len, c->src + o->name);
		return WM_ERR_INVALID;
	}
	return WM_OK;
}

/* Pass 2: standalone lines. */

static bool prints_nothing(enum tok_kind k)
{
	return k != T_TEXT && k != T_VAR && k != T_RAW;
}

/* Whether only whitespace precedes token i on its line; the whitespace in
 * [*ws, i's start). */
static bool alone_before(const struct compiler *c, size_t i, size_t *ws)
{
	if (i == 0) {
		*ws = c->toks[0].start;
		return true;
	}
	const struct tok *t = &c->toks[i - 1];
	if (t->kind != T_TEXT)
		return false;
	size_t k = t->end;
	while (k > t->start && c->src[k - 1] != '\n')
		k--;
	if (k == t->start && i - 1 != 0)
		return false; /* a tag ends this line before the text */
	for (size_t j = k; j < t->end; j++)
		if (!is_blank(c->src[j]))
			return false;
	*ws = k;
	return true;
}

/* Whether only whitespace follows token i up to its line's end. */
static bool alone_after(const struct compiler *c, size_t i)
{
	if (i + 1 == c->ntok)
		return true;
	const struct tok *t = &c->toks[i + 1];
	if (t->kind != T_TEXT)
		return false;
	size_t k = t->start;
	while (k < t->end && is_blank(c->src[k]))
		k++;
	if (k == t->end)
		return i + 2 == c->ntok; /* whitespace up to the end of the template */
	if (c->src[k] == '\r')
		k++;
	return k < t->end && c->src[k] == '\n';
}

/* Two adjacent tags that may share a standalone line (the inheritance
 * specification's "{{<parent}}{{$block}}", "{{/block}}{{/parent}}",
 * "{{<parent}}{{/parent}}", "{{$block}}{{/block}}"). */
static bool pair(const struct compiler *c, size_t i)
{
	const struct tok *a = &c->toks[i], *b = &c->toks[i + 1];
	if (a->kind == T_PARENT)
		return b->kind == T_BLOCK || (b->kind == T_CLOSE && b->mate == i);
	if (a->kind == T_BLOCK)
		return b->kind == T_CLOSE && b->mate == i;
	return a->kind == T_CLOSE && b->kind == T_CLOSE && c->toks[a->mate].kind == T_BLOCK &&
	       c->toks[b->mate].kind == T_PARENT;
}

static void mark_standalone(struct compiler *c)
{
	for (size_t i = 0; i < c->ntok; i++) {
		if (!prints_nothing(c->toks[i].kind))
			continue;
		size_t last = i;
		if (i + 1 < c->ntok && pair(c, i))
			last = i + 1;
		size_t ws;
		if (!alone_before(c, i, &ws) || !alone_after(c, last))
			continue;
		for (size_t j = i; j <= last; j++)
			c->toks[j].standalone = true;
		c->toks[i].indent = ws;
		c->toks[i].ind_len = c->toks[i].start - ws;
		if (i > 0)
			c->toks[i - 1].cut_tail = true;
		/* "{{$block}}{{/block}}" keeps its newline: the block's content
		 * takes the line's place (spec PR 131). */
		bool keep_newline = last == i + 1 && c->toks[i].kind == T_BLOCK;
		if (last + 1 < c->ntok && !keep_newline)
			c->toks[last + 1].cut_head = true;
		i = last;
	}
}

/* Pass 3: nodes. */

static bool arena_add(struct compiler *c, const char *s, size_t n, size_t *off)
{
	*off = c->arena.len;
	buf_add(&c->arena, s, n);
	buf_addc(&c->arena, '\0');
	return !c->arena.failed;
}

static struct node *new_node(struct compiler *c, enum node_kind kind, size_t line)
{
	if (!grow((void **)&c->nodes, &c->node_cap, c->nnode, sizeof *c->nodes))
		return NULL;
	struct node *n = &c->nodes[c->nnode];
	*n = (struct node){.kind = kind, .next = c->nnode + 1, .line = line};
	c->nnode++;
	return n;
}

/* The text of token t once standalone lines are cut: [*from, *to). */
static void text_range(const struct compiler *c, const struct tok *t, size_t *from, size_t *to)
{
	size_t h = t->start, e = t->end;
	if (t->cut_head) {
		const char *nl = memchr(c->src + t->start, '\n', t->end - t->start);
		h = nl ? (size_t)(nl - c->src) + 1 : t->end;
	}
	if (t->cut_tail) {
		size_t k = t->end;
		while (k > t->start && c->src[k - 1] != '\n')
			k--;
		e = k;
	}
	*from = h;
	*to = e > h ? e : h;
}

/* The number of leading bytes of s (n bytes) that match prefix p. */
static size_t prefix_match(const char *s, size_t n, const char *p, size_t plen)
{
	size_t k = 0;
	while (k < n && k < plen && s[k] == p[k])
		k++;
	return k;
}

/* Removes up to dlen bytes of the prefix d from the start of each line of
 * text node t (in place: the text only shrinks). */
static void dedent_text(struct compiler *c, struct node *t, const char *d, size_t dlen)
{
	char *s = c->arena.p + t->str;
	size_t r = 0, w = 0;
	bool bol = t->bol;
	while (r < t->len) {
		if (bol) {
			r += prefix_match(s + r, t->len - r, d, dlen);
			bol = false;
			continue;
		}
		char ch = s[r++];
		s[w++] = ch;
		bol = ch == '\n';
	}
	s[w] = '\0';
	t->len = w;
}

/* A standalone block's content is written indented as its lines stand in
 * the source; it must render at the indentation of the place it lands in
 * (spec: "block indentation is removed at the site of definition and added
 * at the site of expansion"). The indentation is the longest whitespace
 * prefix common to the content's non-blank lines, or the tag's own when the
 * content is blank. It is removed here from the content's text and from the
 * indentation of the standalone tags inside; nested standalone blocks did
 * the same for theirs already, and keep their indentation relative to
 * this one. */
static bool block_indent(struct compiler *c, size_t open_tok, size_t close_tok, size_t node)
{
	const struct tok *o = &c->toks[open_tok], *cl = &c->toks[close_tok];
	const char *s = c->src;
	size_t from = o->end, to = cl->start;
	const char *nl = memchr(s + from, '\n', to - from);
	from = nl ? (size_t)(nl - s) + 1 : to;
	if (cl->standalone)
		while (to > from && s[to - 1] != '\n')
			to--;

	bool any = false;
	size_t p = 0, plen = 0;
	for (size_t ls = from; ls < to;) {
		const char *e = memchr(s + ls, '\n', to - ls);
		size_t le = e ? (size_t)(e - s) : to;
		size_t ws = ls;
		while (ws < le && is_blank(s[ws]))
			ws++;
		size_t k = ws;
		while (k < le && s[k] == '\r')
			k++;
		if (k < le) {
			if (!any) {
				p = ls;
				plen = ws - ls;
				any = true;
			} else {
				plen = prefix_match(s + ls, ws - ls, s + p, plen);
			}
		}
		ls = le + 1;
	}

	struct node *b = &c->nodes[node];
	if (!any) {
		/* Blank content: the tag's own indentation (often none). */
		if (!arena_add(c, s + o->indent, o->ind_len, &b->indent))
			return false;
		b->ind_len = o->ind_len;
		return true;
	}
	if (!arena_add(c, s + p, plen, &b->indent))
		return false;
	b->ind_len = plen;
	if (!plen)
		return true;
	const char *d = s + p;
	for (size_t j = node + 1; j < c->nnode;) {
		struct node *n = &c->nodes[j];
		if (n->kind == N_TEXT) {
			dedent_text(c, n, d, plen);
		} else if (n->standalone) {
			size_t k = prefix_match(c->arena.p + n->indent, n->ind_len, d, plen);
			n->indent += k;
			n->ind_len -= k;
			if (n->kind == N_BLOCK) {
				j = n->next;
				continue;
			}
		}
		j++;
	}
	return true;
}

static wm_err build(struct compiler *c)
{
	const char *s = c->src;
	size_t open[MAX_NEST]; /* node indices of open containers */
	size_t depth = 0;
	for (size_t i = 0; i < c->ntok; i++) {
		const struct tok *t = &c->toks[i];
		struct node *n;
		switch (t->kind) {
		case T_TEXT: {
			size_t from, to;
			text_range(c, t, &from, &to);
			if (from == to)
				break;
			if (!(n = new_node(c, N_TEXT, t->line)) ||
			    !arena_add(c, s + from, to - from, &n->str))
				return WM_ERR_NOMEM;
			n->len = to - from;
			n->bol = from == 0 || s[from - 1] == '\n';
			break;
		}
		case T_COMMENT:
		case T_DELIM:
			break;
		case T_CLOSE:
			assert(depth > 0);
			depth--;
			n = &c->nodes[open[depth]];
			n->next = c->nnode;
			if (n->kind == N_BLOCK && n->standalone &&
			    !block_indent(c, t->mate, i, open[depth]))
				return WM_ERR_NOMEM;
			break;
		default: {
			static const enum node_kind kinds[] = {
			    [T_VAR] = N_VAR,	     [T_RAW] = N_RAW,
			    [T_SECTION] = N_SECTION, [T_INVERTED] = N_INVERTED,
			    [T_PARTIAL] = N_PARTIAL, [T_PARENT] = N_PARENT,
			    [T_BLOCK] = N_BLOCK,
			};
			size_t idx = c->nnode;
			if (!(n = new_node(c, kinds[t->kind], t->line)) ||
			    !arena_add(c, s + t->name, t->name_len, &n->str))
				return WM_ERR_NOMEM;
			n->len = t->name_len;
			if (n->kind == N_VAR || n->kind == N_RAW || n->kind == N_SECTION ||
			    n->kind == N_INVERTED) {
				/* Split dotted names once, here, not on every lookup. */
				char *name = c->arena.p + n->str;
				if (!strcmp(name, ".")) {
					n->nseg = 0;
				} else {
					n->nseg = 1;
					for (char *d = name; (d = strchr(d, '.')); d++) {
						*d = '\0';
						n->nseg++;
					}
				}
			}
			if (t->standalone &&
			    (n->kind == N_PARTIAL || n->kind == N_PARENT || n->kind == N_BLOCK)) {
				n->standalone = true;
				if (!arena_add(c, s + t->indent, t->ind_len, &n->indent))
					return WM_ERR_NOMEM;
				n->ind_len = t->ind_len;
			}
			if (opens(t->kind)) {
				assert(depth < MAX_NEST);
				open[depth++] = idx;
			}
			break;
		}
		}
	}
	assert(depth == 0);
	return WM_OK;
}

wm_err mustache_compile(const char *src, size_t len, struct mustache **out, char *msg,
			size_t msglen)
{
	assert(out && (src || !len));
	*out = NULL;
	set_msg(msg, msglen, "%s", "");
	struct compiler c = {.src = src, .len = len, .msg = msg, .msglen = msglen};
	c.arena = (struct buf)BUF_INIT;
	wm_err e = tokenize(&c);
	if (e == WM_OK) {
		mark_standalone(&c);
		e = build(&c);
	}
	free(c.toks);
	struct mustache *m = NULL;
	if (e == WM_OK && !(m = malloc(sizeof *m)))
		e = WM_ERR_NOMEM;
	char *arena = buf_take(&c.arena, NULL);
	if (e == WM_OK && !arena)
		e = WM_ERR_NOMEM;
	if (e != WM_OK) {
		if (e == WM_ERR_NOMEM)
			set_msg(msg, msglen, "%s", "out of memory");
		free(arena);
		free(c.nodes);
		free(m);
		return e;
	}
	m->nodes = c.nodes;
	m->n = c.nnode;
	m->arena = arena;
	*out = m;
	return WM_OK;
}

void mustache_free(struct mustache *m)
{
	if (!m)
		return;
	free(m->nodes);
	free(m->arena);
	free(m);
}

/* ---- rendering ------------------------------------------------------- */

/* The context stack: the values sections pushed, innermost first. */
struct scope {
	const json_t *v;
	const struct scope *up;
};

/* The parent tags being rendered, innermost first: each one's blocks
 * override the blocks of the templates rendered inside it. */
struct parents {
	const struct mustache *t;
	size_t node; /* the N_PARENT node in t */
	const struct parents *up;
};

struct render {
	struct buf *out;
	mustache_resolve_fn resolve;
	void *arg;
	struct buf indent; /* what starts each line: the standalone tags' whitespace */
	bool bol;	   /* the output is at the start of a line */
	unsigned depth;	   /* partials and parents open */
	unsigned nest;	   /* render calls open */
	unsigned steps;	   /* nodes visited */
	size_t out_start;  /* out->len when the render began */
	wm_err err;
	char *msg;
	size_t msglen;
};

static void start_line(struct render *r)
{
	if (r->bol && r->indent.len)
		buf_add(r->out, r->indent.p, r->indent.len);
	r->bol = false;
}

/* Template text: indented at each line's start, except blank lines. */
static void emit_text(struct render *r, const char *s, size_t n)
{
	while (n) {
		if (r->bol && s[0] != '\n' && !(s[0] == '\r' && n > 1 && s[1] == '\n'))
			start_line(r);
		r->bol = false;
		const char *nl = memchr(s, '\n', n);
		size_t k = nl ? (size_t)(nl - s) + 1 : n;
		buf_add(r->out, s, k);
		r->bol = nl != NULL;
		s += k;
		n -= k;
	}
}

/* Writes the shortest decimal form of d that reads back as d: 1.21 is
 * "1.21", not "1.2099999999999999"; 100.0 is "100". */
static size_t format_real(char *out, size_t size, double d)
{
	int n = 0;
	if (d > -1e15 && d < 1e15 && d == (double)(long long)d) {
		n = snprintf(out, size, "%lld", (long long)d);
	} else {
		for (int prec = 1; prec <= 17; prec++) {
			n = snprintf(out, size, "%.*g", prec, d);
			if (strtod(out, NULL) == d)
				break;
		}
	}
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* A value as text: strings as they are, numbers in decimal, true and false
 * as words; null, objects and arrays as nothing. Data is never indented
 * inside, but a line that starts with it is. */
static void emit_value(struct render *r, const json_t *v, bool escape)
{
	char num[64];
	const char *s;
	size_t n;
	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		n = json_string_length(v);
		break;
	case JSON_INTEGER: {
		int k = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		s = num;
		n = k > 0 ? (size_t)k : 0;
		break;
	}
	case JSON_REAL:
		s = num;
		n = format_real(num, sizeof num, json_real_value(v));
		break;
	case JSON_TRUE:
		s = "true";
		n = 4;
		break;
	case JSON_FALSE:
		s = "false";
		n = 5;
		break;
	default:
		return;
	}
	if (!n)
		return;
	start_line(r);
	if (escape)
		buf_add_html(r->out, s, n);
	else
		buf_add(r->out, s, n);
}

/* Resolves a name (its NUL-separated dotted parts) against the context
 * stack: the first part in the innermost object that has it, each further
 * part in the value the part before it found only. NULL when missing. */
static const json_t *lookup(const struct scope *sc, const char *name, unsigned nseg)
{
	if (!nseg)
		return sc ? sc->v : NULL;
	const json_t *v = NULL;
	for (; sc && !v; sc = sc->up)
		if (json_is_object(sc->v))
			v = json_object_get(sc->v, name);
	for (unsigned k = 1; v && k < nseg; k++) {
		name += strlen(name) + 1;
		v = json_is_object(v) ? json_object_get(v, name) : NULL;
	}
	return v;
}

/* Falsey as the specification's `!!data`: missing, null, false, 0, "",
 * and (the specification's rule for lists) an empty array. */
static bool truthy(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_NULL:
	case JSON_FALSE:
		return false;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	default:
		return true;
	}
}

static const char *name_of(const struct mustache *t, const struct node *n)
{
	return t->arena + n->str;
}

static bool render_nodes(struct render *r, const struct mustache *t, size_t from, size_t to,
			 const struct scope *sc, const struct parents *pa);

/* Renders [from, to) of t with the indentation of a standalone tag added. */
static bool render_indented(struct render *r, const struct mustache *site, const struct node *tag,
			    const struct mustache *t, size_t from, size_t to,
			    const struct scope *sc, const struct parents *pa)
{
	size_t saved = r->indent.len;
	if (tag->standalone) {
		buf_add(&r->indent, site->arena + tag->indent, tag->ind_len);
		r->bol = true;
	}
	bool ok = render_nodes(r, t, from, to, sc, pa);
	if (r->indent.p) {
		r->indent.len = saved;
		r->indent.p[saved] = '\0';
	}
	return ok;
}

/* A partial or a parent: the template it names, rendered in place. */
static bool include(struct render *r, const struct mustache *site, const struct node *tag,
		    const struct scope *sc, const struct parents *pa)
{
	const struct mustache *t = r->resolve ? r->resolve(r->arg, name_of(site, tag)) : NULL;
	if (!t)
		return true;
	if (r->depth >= MUSTACHE_MAX_DEPTH) {
		r->err = WM_ERR_INVALID;
		set_msg(r->msg, r->msglen, "partials nested more than %d deep (line %zu)",
			MUSTACHE_MAX_DEPTH, tag->line);
		return false;
	}
	r->depth++;
	bool ok = render_indented(r, site, tag, t, 0, t->n, sc, pa);
	r->depth--;
	return ok;
}

/* A block: the override the outermost parent tag gives for its name, else
 * its own content. */
static bool block(struct render *r, const struct mustache *t, size_t i, const struct scope *sc,
		  const struct parents *pa)
{
	const char *name = name_of(t, &t->nodes[i]);
	const struct mustache *bt = t;
	size_t bi = i;
	for (const struct parents *p = pa; p; p = p->up) {
		const struct node *pn = &p->t->nodes[p->node];
		for (size_t j = p->node + 1; j < pn->next; j = p->t->nodes[j].next) {
			const struct node *n = &p->t->nodes[j];
			if (n->kind == N_BLOCK && !strcmp(name_of(p->t, n), name)) {
				bt = p->t;
				bi = j;
				break;
			}
		}
	}
	return render_indented(r, t, &t->nodes[i], bt, bi + 1, bt->nodes[bi].next, sc, pa);
}

static bool render_nodes(struct render *r, const struct mustache *t, size_t from, size_t to,
			 const struct scope *sc, const struct parents *pa)
{
	if (r->nest >= MAX_RENDER_NEST) {
		r->err = WM_ERR_INVALID;
		set_msg(r->msg, r->msglen, "%s", "templates nested too deep (a block in itself?)");
		return false;
	}
	r->nest++;
	bool ok = true;
	for (size_t i = from; ok && i < to; i = t->nodes[i].next) {
		const struct node *n = &t->nodes[i];
		if (++r->steps > MAX_RENDER_STEPS ||
		    r->out->len - r->out_start > MAX_RENDER_OUTPUT) {
			r->err = WM_ERR_INVALID;
			set_msg(r->msg, r->msglen, "%s", "template too costly to render");
			ok = false;
			break;
		}
		switch (n->kind) {
		case N_TEXT:
			emit_text(r, t->arena + n->str, n->len);
			break;
		case N_VAR:
		case N_RAW: {
			const json_t *v = lookup(sc, name_of(t, n), n->nseg);
			if (v)
				emit_value(r, v, n->kind == N_VAR);
			break;
		}
		case N_SECTION: {
			const json_t *v = lookup(sc, name_of(t, n), n->nseg);
			if (json_is_array(v)) {
				for (size_t k = 0; ok && k < json_array_size(v); k++) {
					struct scope in = {json_array_get(v, k), sc};
					ok = render_nodes(r, t, i + 1, n->next, &in, pa);
				}
			} else if (truthy(v)) {
				struct scope in = {v, sc};
				ok = render_nodes(r, t, i + 1, n->next, &in, pa);
			}
			break;
		}
		case N_INVERTED:
			if (!truthy(lookup(sc, name_of(t, n), n->nseg)))
				ok = render_nodes(r, t, i + 1, n->next, sc, pa);
			break;
		case N_PARTIAL:
			ok = include(r, t, n, sc, pa);
			break;
		case N_PARENT: {
			struct parents in = {t, i, pa};
			ok = include(r, t, n, sc, &in);
			break;
		}
		case N_BLOCK:
			ok = block(r, t, i, sc, pa);
			break;
		}
		if (ok && (r->out->failed || r->indent.failed)) {
			r->err = WM_ERR_NOMEM;
			set_msg(r->msg, r->msglen, "%s", "out of memory");
			ok = false;
		}
	}
	r->nest--;
	return ok;
}

wm_err mustache_render(const struct mustache *m, const json_t *data, mustache_resolve_fn resolve,
		       void *arg, struct buf *out, char *msg, size_t msglen)
{
	assert(m && out);
	set_msg(msg, msglen, "%s", "");
	struct render r = {.out = out,
			   .resolve = resolve,
			   .arg = arg,
			   .bol = true,
			   .err = WM_OK,
			   .msg = msg,
			   .msglen = msglen};
	r.indent = (struct buf)BUF_INIT;
	struct scope root = {data, NULL};
	bool ok = render_nodes(&r, m, 0, m->n, data ? &root : NULL, NULL);
	buf_free(&r.indent);
	if (!ok)
		return r.err;
	if (out->failed) {
		set_msg(msg, msglen, "%s", "out of memory");
		return WM_ERR_NOMEM;
	}
	return WM_OK;
}

/* ---- template sets --------------------------------------------------- */

struct entry {
	char *name;
	struct mustache *t;
};

struct mustache_set {
	struct entry *e; /* sorted by name */
	size_t n;
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

void mustache_set_free(struct mustache_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++) {
		free(set->e[i].name);
		mustache_free(set->e[i].t);
	}
	free(set->e);
	free(set);
}

wm_err mustache_set_new(const struct mustache_source *srcs, size_t n, struct mustache_set **out,
			char *msg, size_t msglen)
{
	assert(out && (srcs || !n));
	*out = NULL;
	set_msg(msg, msglen, "%s", "");
	struct mustache_set *set = calloc(1, sizeof *set);
	if (!set || (n && !(set->e = calloc(n, sizeof *set->e)))) {
		free(set);
		set_msg(msg, msglen, "%s", "out of memory");
		return WM_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++, set->n++) {
		char err[200];
		wm_err e = WM_ERR_NOMEM;
		size_t nlen = strlen(srcs[i].name) + 1;
		if ((set->e[i].name = malloc(nlen)))
			memcpy(set->e[i].name, srcs[i].name, nlen);
		if (!set->e[i].name || (e = mustache_compile(srcs[i].src, srcs[i].len, &set->e[i].t,
							     err, sizeof err)) != WM_OK) {
			set->n++;
			mustache_set_free(set);
			set_msg(msg, msglen, "%s: %s", srcs[i].name,
				e == WM_ERR_NOMEM ? "out of memory" : err);
			return e;
		}
	}
	if (n)
		qsort(set->e, n, sizeof *set->e, entry_cmp);
	for (size_t i = 1; i < n; i++) {
		if (!strcmp(set->e[i - 1].name, set->e[i].name)) {
			set_msg(msg, msglen, "%s: two templates have this name", set->e[i].name);
			mustache_set_free(set);
			return WM_ERR_INVALID;
		}
	}
	*out = set;
	return WM_OK;
}

const struct mustache *mustache_set_get(const struct mustache_set *set, const char *name)
{
	assert(set && name);
	if (!set->n)
		return NULL;
	struct entry key = {(char *)name, NULL};
	const struct entry *e = bsearch(&key, set->e, set->n, sizeof *set->e, entry_cmp);
	return e ? e->t : NULL;
}

const struct mustache *mustache_set_resolve(void *arg, const char *name)
{
	return mustache_set_get(arg, name);
}

wm_err mustache_set_check(const struct mustache_set *set, char *msg, size_t msglen)
{
	assert(set);
	set_msg(msg, msglen, "%s", "");
	for (size_t i = 0; i < set->n; i++) {
		const struct mustache *t = set->e[i].t;
		for (size_t j = 0; j < t->n; j++) {
			const struct node *n = &t->nodes[j];
			if ((n->kind == N_PARTIAL || n->kind == N_PARENT) &&
			    !mustache_set_get(set, name_of(t, n))) {
				set_msg(msg, msglen, "%s: line %zu: no template \"%s\"",
					set->e[i].name, n->line, name_of(t, n));
				return WM_ERR_NOT_FOUND;
			}
		}
	}
	return WM_OK;
}

wm_err mustache_set_render(const struct mustache_set *set, const char *name, const json_t *data,
			   struct buf *out, char *msg, size_t msglen)
{
	const struct mustache *t = mustache_set_get(set, name);
	if (!t) {
		set_msg(msg, msglen, "no template \"%s\"", name);
		return WM_ERR_NOT_FOUND;
	}
	return mustache_render(t, data, mustache_set_resolve, (void *)set, out, msg, msglen);
}
