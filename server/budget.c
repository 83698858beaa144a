/* Per-address budgets (see budget.h). */
#include "budget.h"

#include <stdio.h>
#include <stdlib.h>
#include <uthash.h>

#include "peer.h"

struct budget_addr {
    budget *of; /* the table it is in */
    char key[PEER_ADDR_MAX];
    size_t refs;
    size_t held[BUDGET_KINDS];
    UT_hash_handle hh;
};

struct budget {
    budget_addr *table;
    size_t count;
    size_t limit[BUDGET_KINDS];
};

budget *budget_new(void)
{
    return calloc(1, sizeof(budget));
}

void budget_free(budget *b)
{
    if (!b)
        return;
    budget_addr *a, *tmp;
    HASH_ITER(hh, b->table, a, tmp) {
        HASH_DEL(b->table, a);
        free(a);
    }
    free(b);
}

void budget_set_limit(budget *b, budget_kind k, size_t limit)
{
    if (k < BUDGET_KINDS)
        b->limit[k] = limit;
}

budget_addr *budget_ref(budget *b, const char *key)
{
    budget_addr *a;
    HASH_FIND_STR(b->table, key, a);
    if (!a) {
        if (!(a = calloc(1, sizeof *a)))
            return NULL;
        a->of = b;
        snprintf(a->key, sizeof a->key, "%s", key);
        HASH_ADD_STR(b->table, key, a);
        b->count++;
    }
    a->refs++;
    return a;
}

budget_addr *budget_hold(budget_addr *a)
{
    if (a)
        a->refs++;
    return a;
}

void budget_unref(budget_addr *a)
{
    if (!a || --a->refs)
        return;
    HASH_DEL(a->of->table, a);
    a->of->count--;
    free(a);
}

int budget_take(budget_addr *a, budget_kind k, size_t n)
{
    if (!a)
        return 0;
    if (a->of->limit[k] && a->held[k] + n > a->of->limit[k])
        return -1;
    a->held[k] += n;
    return 0;
}

int budget_fits(const budget *b, const char *key, budget_kind k, size_t n)
{
    budget_addr *a;
    HASH_FIND_STR(b->table, key, a);
    return !b->limit[k] || (a ? a->held[k] : 0) + n <= b->limit[k];
}

void budget_give(budget_addr *a, budget_kind k, size_t n)
{
    if (a)
        a->held[k] = a->held[k] > n ? a->held[k] - n : 0;
}

size_t budget_held(const budget_addr *a, budget_kind k)
{
    return a ? a->held[k] : 0;
}

const char *budget_key(const budget_addr *a)
{
    return a ? a->key : "";
}

size_t budget_count(const budget *b)
{
    return b->count;
}
