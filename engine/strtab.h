/*
 * strtab — a string table that interns text into dense integer ids.
 *
 * Ids are given in order of first insertion (0, 1, 2, ...), so that a table
 * filled from input in input order gives the same ids whatever the thread
 * count. Strings live in one growing arena with NUL terminators, offsets in
 * an array indexed by id, and an open-addressing hash index of (hash, id)
 * pairs: about 20 bytes per string plus its text, no per-string malloc.
 * Lookups (strtab_find) only read and may run from many threads at once while
 * nobody inserts.
 */
#ifndef CANAUX_STRTAB_H
#define CANAUX_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#define STRTAB_NONE UINT32_MAX   /* "no id": not found, or allocation failure */

struct strtab;

/* A 64-bit hash of n bytes of s (not cryptographic; fast on short ids). */
uint64_t strtab_hash(const char *s, size_t n);

/* Returns a new empty table, or NULL when out of memory. */
struct strtab *strtab_create(void);
/* Frees t and its strings; accepts NULL. */
void strtab_free(struct strtab *t);
/* Forgets every string but keeps the memory, for reuse. */
void strtab_clear(struct strtab *t);

/* The id of s[0..n) with hash h = strtab_hash(s, n), inserting it when new.
   Returns STRTAB_NONE when out of memory, past 2^32-2 strings or past
   4 GiB of text. */
uint32_t strtab_intern(struct strtab *t, const char *s, size_t n, uint64_t h);
/* The id of s[0..n), or STRTAB_NONE when absent. Never writes. */
uint32_t strtab_find(const struct strtab *t, const char *s, size_t n, uint64_t h);

/* Asks the processor to fetch the index slot where a string of hash h
   would be looked for: call it a few strings ahead of strtab_intern. */
void strtab_prefetch(const struct strtab *t, uint64_t h);

/* Frees the hash index (8 bytes a slot, about 13 a string) once no more
   lookups are coming: strtab_intern rebuilds it, strtab_find then scans. */
void strtab_drop_index(struct strtab *t);

/* Number of strings. */
uint32_t strtab_count(const struct strtab *t);
/* The NUL-terminated text of id (valid until the next insertion); its length
   in *len when len is not NULL. */
const char *strtab_str(const struct strtab *t, uint32_t id, size_t *len);
/* The stored hash of id (the low 32 bits of strtab_hash). */
uint32_t strtab_hash32(const struct strtab *t, uint32_t id);
/* Bytes of memory held. */
size_t strtab_bytes(const struct strtab *t);

#endif
