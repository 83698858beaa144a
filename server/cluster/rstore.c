/* Redis connection, reconnection and the cluster's Lua scripts (see rstore.h). */
#include "rstore.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define P RSTORE_PREFIX

/* Keys: addrbans (hash: banned block -> "until|guests_only|user_id|reason"), uaddr:<id> (sorted
 * set: the addresses a user came from, by time), the canvas bitfield, the sequence, the size hash, cd:<id> (cooldown: the ms from which
 * the user may place again, expiring with it), acd:<addr> (the same for an address bucket),
 * bud:<kind>:<addr> (a per-address budget's count in its hour, expiring with it), user:<id> (hash: name guest admin banned hash),
 * name:<name> (-> id), sess:<token> (-> id, 24 h TTL), usess:<id> (set of the user's tokens). */
static const char *const scripts[RS_COUNT_] = {
    [RS_PLACE] =
        /* KEYS canvas seq cd:<id> user:<id> acd:<addr> settings; ARGV index color cooldown_ms
         * scope -> {seq, now, next_placement, name} | {-1, next_placement} cooldown | {-2} banned
         * | {-3} frozen. scope (backend_cooldown_scope): 0 the account's cooldown only; 1 guests
         * also wait for the address's; 2 everyone does. Unless 0, a placement starts the
         * address's too. The live settings (server/live.h: frozen = yes) are checked here, in the
         * same step, so that no process places once a freeze is stored, whether or not it has
         * heard of it yet. */
        "if redis.call('HGET', KEYS[6], 'frozen') == 'yes' then return {-3, 0, 0, ''} end\n"
        "local u = redis.call('HMGET', KEYS[4], 'banned', 'name', 'guest', 'until')\n"
        "local t = redis.call('TIME')\n"
        "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
        "local untl = tonumber(u[4] or '0') or 0\n"
        "if u[1] == '1' and (untl == 0 or untl > now) then return {-2, 0, 0, ''} end\n"
        "local cd = tonumber(ARGV[3])\n"
        "local nextp = 0\n"
        "if cd > 0 then\n"
        "  nextp = now + cd\n"
        "  if ARGV[4] == '2' or (ARGV[4] == '1' and u[3] ~= '0') then\n"
        "    local a = redis.call('GET', KEYS[5])\n"
        "    if a and tonumber(a) > now then return {-1, tonumber(a), 0, ''} end\n"
        "  end\n"
        "  if not redis.call('SET', KEYS[3], string.format('%.0f', nextp), 'NX', 'PX', cd) then\n"
        "    return {-1, tonumber(redis.call('GET', KEYS[3]) or now), 0, ''}\n"
        "  end\n"
        "  if ARGV[4] ~= '0' then\n"
        "    redis.call('SET', KEYS[5], string.format('%.0f', nextp), 'PX', cd)\n"
        "  end\n"
        "end\n"
        "redis.call('BITFIELD', KEYS[1], 'SET', 'u4', '#' .. ARGV[1], ARGV[2])\n"
        "local seq = redis.call('INCR', KEYS[2])\n"
        "return {seq, now, nextp, u[2] or ''}\n",
    [RS_SNAPSHOT] =
        /* KEYS canvas seq meta -> {bytes, seq, width, height, now_ms} */
        "local t = redis.call('TIME')\n"
        "return {redis.call('GET', KEYS[1]) or '', redis.call('GET', KEYS[2]) or '0',\n"
        "        redis.call('HGET', KEYS[3], 'width') or '0',\n"
        "        redis.call('HGET', KEYS[3], 'height') or '0',\n"
        "        tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)}\n",
    [RS_RESIZE] =
        /* KEYS canvas seq meta; ARGV new_w new_h old_w old_h old_seq grown_bytes -> 1 | 0 */
        "local w = redis.call('HGET', KEYS[3], 'width') or '0'\n"
        "local h = redis.call('HGET', KEYS[3], 'height') or '0'\n"
        "if w ~= ARGV[3] or h ~= ARGV[4] then return 0 end\n"
        "if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[5] then return 0 end\n"
        "if w ~= '0' then redis.call('SET', KEYS[1], ARGV[6]) end\n"
        "redis.call('HSET', KEYS[3], 'width', ARGV[1], 'height', ARGV[2])\n"
        "return 1\n",
    [RS_SESSION_GET] =
        /* KEYS sess:<token>; ARGV ttl_s
         * -> {id, name, guest, admin, banned, cd, until, reason} | nil */
        "local id = redis.call('GETEX', KEYS[1], 'EX', ARGV[1])\n"
        "if not id then return false end\n"
        "local u = redis.call('HMGET', '" P "user:' .. id, 'name', 'guest', 'admin', 'banned',\n"
        "                     'until', 'reason')\n"
        "if not u[1] then return false end\n"
        "return {id, u[1], u[2] or '1', u[3] or '0', u[4] or '0',\n"
        "        redis.call('GET', '" P "cd:' .. id) or '0', u[5] or '0', u[6] or ''}\n",
    [RS_USER_GET] =
        /* KEYS user:<id> cd:<id>; ARGV id
         * -> {id, name, guest, admin, banned, cd, until, reason} | nil */
        "local u = redis.call('HMGET', KEYS[1], 'name', 'guest', 'admin', 'banned', 'until',\n"
        "                     'reason')\n"
        "if not u[1] then return false end\n"
        "return {ARGV[1], u[1], u[2] or '1', u[3] or '0', u[4] or '0',\n"
        "        redis.call('GET', KEYS[2]) or '0', u[5] or '0', u[6] or ''}\n",
    [RS_CREDENTIALS] =
        /* KEYS name:<name>
         * -> {id, name, guest, admin, banned, cd, until, reason, hash} | nil */
        "local id = redis.call('GET', KEYS[1])\n"
        "if not id then return false end\n"
        "local u = redis.call('HMGET', '" P "user:' .. id, 'name', 'guest', 'admin', 'banned', 'hash',\n"
        "                     'until', 'reason')\n"
        "if not u[1] or not u[5] then return false end\n"
        "return {id, u[1], u[2] or '0', u[3] or '0', u[4] or '0',\n"
        "        redis.call('GET', '" P "cd:' .. id) or '0', u[6] or '0', u[7] or '', u[5]}\n",
    [RS_REGISTER] =
        /* KEYS name:<name>; ARGV guest_id_or_empty new_id name hash -> id | nil (taken) */
        "local id = ARGV[2]\n"
        "if ARGV[1] ~= '' and redis.call('HGET', '" P "user:' .. ARGV[1], 'guest') == '1' then\n"
        "  id = ARGV[1]\n"
        "end\n"
        "if not redis.call('SET', KEYS[1], id, 'NX') then return false end\n"
        "local k = '" P "user:' .. id\n"
        "redis.call('HSET', k, 'name', ARGV[3], 'guest', '0', 'hash', ARGV[4])\n"
        "redis.call('HSETNX', k, 'admin', '0')\n"
        "redis.call('HSETNX', k, 'banned', '0')\n"
        "return id\n",
    [RS_ADMIN] =
        /* KEYS name:<name> (by name) or user:<id> (by id); ARGV by(name|id) act(grant|revoke|
         * ban|unban) until_ms reason id window_ms -> id | nil (no such user). A ban with a
         * window also bans, for guests, the addresses the user had within it (addrbans: block ->
         * "until|guests_only|user_id|reason"); an unban lifts those. Sessions are kept. */
        "local id = ARGV[5]\n"
        "if ARGV[1] == 'name' then\n"
        "  id = redis.call('GET', KEYS[1])\n"
        "  if not id then return false end\n"
        "elseif redis.call('EXISTS', KEYS[1]) == 0 then return false end\n"
        "local k = '" P "user:' .. id\n"
        "local act = ARGV[2]\n"
        "if act == 'grant' then redis.call('HSET', k, 'admin', '1')\n"
        "elseif act == 'revoke' then redis.call('HSET', k, 'admin', '0')\n"
        "elseif act == 'ban' then\n"
        "  redis.call('HSET', k, 'banned', '1', 'until', ARGV[3], 'reason', ARGV[4])\n"
        "  local w = tonumber(ARGV[6])\n"
        "  if w > 0 then\n"
        "    local t = redis.call('TIME')\n"
        "    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
        "    for _, a in ipairs(redis.call('ZRANGEBYSCORE', '" P "uaddr:' .. id,\n"
        "                                  string.format('%.0f', now - w), '+inf')) do\n"
        "      redis.call('HSET', '" P "addrbans', a, ARGV[3] .. '|1|' .. id .. '|' .. ARGV[4])\n"
        "    end\n"
        "  end\n"
        "elseif act == 'unban' then\n"
        "  redis.call('HSET', k, 'banned', '0', 'until', '0', 'reason', '')\n"
        "  local all = redis.call('HGETALL', '" P "addrbans')\n"
        "  for i = 1, #all, 2 do\n"
        "    if string.find(all[i + 1], '|' .. id .. '|', 1, true) then\n"
        "      redis.call('HDEL', '" P "addrbans', all[i])\n"
        "    end\n"
        "  end\n"
        "end\n"
        "return id\n",
    [RS_ADDR_SEEN] =
        /* KEYS uaddr:<id>; ARGV addr keep_ms max: the user's addresses by when last seen, the
         * most recent `max`, forgotten keep_ms after the last */
        "local t = redis.call('TIME')\n"
        "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
        "redis.call('ZADD', KEYS[1], now, ARGV[1])\n"
        "redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -1 - tonumber(ARGV[3]))\n"
        "redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
        "return 1\n",
    [RS_REVOKE] =
        /* KEYS sess:<token>; ARGV token */
        "local id = redis.call('GET', KEYS[1])\n"
        "if id then redis.call('SREM', '" P "usess:' .. id, ARGV[1]) end\n"
        "redis.call('DEL', KEYS[1])\n"
        "return 1\n",
    [RS_NEW_SESSION] =
        /* KEYS sess:<token> usess:<id> user:<id> acd:<addr>; ARGV token id ttl_s
         * guest_name_or_empty inherit -> the new guest's next placement (ms, 0: now). With
         * inherit '1' a new guest starts with the address's cooldown. */
        "local nextp = 0\n"
        "if ARGV[4] ~= '' then\n"
        "  redis.call('HSET', KEYS[3], 'name', ARGV[4], 'guest', '1', 'admin', '0', 'banned', '0')\n"
        "  if ARGV[5] == '1' then\n"
        "    local a = redis.call('PTTL', KEYS[4])\n"
        "    if a > 0 then\n"
        "      nextp = tonumber(redis.call('GET', KEYS[4]))\n"
        "      redis.call('SET', '" P "cd:' .. ARGV[2], string.format('%.0f', nextp), 'PX', a)\n"
        "    end\n"
        "  end\n"
        "end\n"
        "redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])\n"
        "redis.call('SADD', KEYS[2], ARGV[1])\n"
        "return nextp\n",
    [RS_BUDGET] =
        /* KEYS bud:<kind>:<addr>; ARGV limit window_ms -> {0} counted | {1, ms left} spent.
         * The key expires with its window. */
        "local n = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
        "if n >= tonumber(ARGV[1]) then return {1, redis.call('PTTL', KEYS[1])} end\n"
        "if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end\n"
        "return {0, 0}\n",
    [RS_ONLINE] =
        /* KEYS online:procs (sorted set: process id by the ms its entry runs out) online:users
         * (hash: player key -> how many processes hold it) online:p:<me> (set: my players);
         * ARGV me ttl_ms mode add del (player keys, each list one string split by spaces);
         * mode 0: changes, 1: add is all my players, 2: I am stopping. -> the distinct players across the live processes, or -1 when
         * mode 0 and my entry is gone (expired, or Redis lost its data): send everything.
         * A process whose entry ran out is taken for dead and its players are dropped. */
        "local t = redis.call('TIME')\n"
        "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
        "local function gone(id)\n"
        "  if redis.call('HINCRBY', KEYS[2], id, -1) <= 0 then redis.call('HDEL', KEYS[2], id) end\n"
        "end\n"
        "local function drop(set)\n"
        "  for _, id in ipairs(redis.call('SMEMBERS', set)) do gone(id) end\n"
        "  redis.call('DEL', set)\n"
        "end\n"
        "if ARGV[3] == '0' and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return -1 end\n"
        "if ARGV[3] ~= '0' then drop(KEYS[3]) end\n"
        "for _, p in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do\n"
        "  if p ~= ARGV[1] then drop('" P "online:p:' .. p) end\n"
        "  redis.call('ZREM', KEYS[1], p)\n"
        "end\n"
        "if ARGV[3] == '2' then\n"
        "  redis.call('ZREM', KEYS[1], ARGV[1])\n"
        "  return redis.call('HLEN', KEYS[2])\n"
        "end\n"
        "redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])\n"
        "for id in string.gmatch(ARGV[4], '%S+') do\n"
        "  if redis.call('SADD', KEYS[3], id) == 1 then redis.call('HINCRBY', KEYS[2], id, 1) end\n"
        "end\n"
        "for id in string.gmatch(ARGV[5], '%S+') do\n"
        "  if redis.call('SREM', KEYS[3], id) == 1 then gone(id) end\n"
        "end\n"
        "return redis.call('HLEN', KEYS[2])\n",
    [RS_ADMIN_PLACE] =
        /* KEYS canvas seq; ARGV index color from name -> {seq, now, 0, name} placed |
         * {0, 0, 0, ''} skipped: the pixel's colour is not `from` (a player painted it since
         * the act looked), unless from is 255 (any). No ban, no cooldown. */
        "if ARGV[3] ~= '255' then\n"
        "  local cur = redis.call('BITFIELD', KEYS[1], 'GET', 'u4', '#' .. ARGV[1])[1]\n"
        "  if cur ~= tonumber(ARGV[3]) then return {0, 0, 0, ''} end\n"
        "end\n"
        "local t = redis.call('TIME')\n"
        "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
        "redis.call('BITFIELD', KEYS[1], 'SET', 'u4', '#' .. ARGV[1], ARGV[2])\n"
        "local seq = redis.call('INCR', KEYS[2])\n"
        "return {seq, now, 0, ARGV[4]}\n",
};

struct rstore {
    char host[256];
    int port; /* 0: host is a unix socket path */
    struct timeval tv;
    redisContext *c;
    int64_t next_try; /* ms, monotonic: no reconnect before this */
    char sha[RS_COUNT_][41];
};

rstore *rstore_new(const char *addr, int timeout_ms)
{
    rstore *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    const char *colon = strrchr(addr, ':');
    if (addr[0] == '/' || !colon) {
        snprintf(r->host, sizeof r->host, "%s", addr);
    } else {
        snprintf(r->host, sizeof r->host, "%.*s", (int)(colon - addr), addr);
        r->port = atoi(colon + 1);
        if (r->port <= 0 || r->port > 65535) {
            free(r);
            return NULL;
        }
    }
    r->tv.tv_sec = timeout_ms / 1000;
    r->tv.tv_usec = (timeout_ms % 1000) * 1000;
    return r;
}

static void drop(rstore *r)
{
    if (r->c)
        redisFree(r->c);
    r->c = NULL;
    r->next_try = util_mono_ms() + RSTORE_RETRY_MS;
}

void rstore_free(rstore *r)
{
    if (!r)
        return;
    if (r->c)
        redisFree(r->c);
    free(r);
}

/* Loads every script so that EVALSHA finds them (after a restart Redis has forgotten them). */
static int load_scripts(rstore *r)
{
    for (int i = 0; i < RS_COUNT_; i++) {
        redisReply *rep = redisCommand(r->c, "SCRIPT LOAD %s", scripts[i]);
        int ok = rep && rep->type == REDIS_REPLY_STRING && rep->len == 40;
        if (ok)
            memcpy(r->sha[i], rep->str, 41);
        if (rep)
            freeReplyObject(rep);
        if (!ok)
            return -1;
    }
    return 0;
}

/* A live connection, or NULL when Redis cannot be reached now. */
static redisContext *conn(rstore *r)
{
    if (r->c)
        return r->c;
    if (util_mono_ms() < r->next_try)
        return NULL;
    r->c = r->port ? redisConnectWithTimeout(r->host, r->port, r->tv)
                   : redisConnectUnixWithTimeout(r->host, r->tv);
    if (!r->c || r->c->err || redisSetTimeout(r->c, r->tv) != REDIS_OK ||
        (r->port && redisEnableKeepAlive(r->c) != REDIS_OK) || load_scripts(r) < 0) {
        drop(r);
        return NULL;
    }
    return r->c;
}

int rstore_up(const rstore *r)
{
    return r->c != NULL;
}

long long rstore_num_at(const redisReply *r, size_t i)
{
    if (i >= r->elements)
        return 0;
    const redisReply *e = r->element[i];
    if (e->type == REDIS_REPLY_INTEGER)
        return e->integer;
    return e->type == REDIS_REPLY_STRING ? atoll(e->str) : 0;
}

redisReply *rstore_cmd(rstore *r, int argc, const char **argv, const size_t *lens)
{
    if (!conn(r))
        return NULL;
    redisReply *rep = redisCommandArgv(r->c, argc, argv, lens);
    if (!rep) {
        drop(r);
        return NULL;
    }
    return rep;
}

#define MAX_ARGS 16

static int script_argv(const char *cmd, const char *body, int nkeys, int argc, const char **argv,
                       const size_t *lens, const char **av, size_t *al, char *nk)
{
    if (argc + 3 > MAX_ARGS)
        return -1;
    snprintf(nk, 8, "%d", nkeys);
    av[0] = cmd;
    al[0] = strlen(cmd);
    av[1] = body;
    al[1] = strlen(body);
    av[2] = nk;
    al[2] = strlen(nk);
    for (int i = 0; i < argc; i++) {
        av[3 + i] = argv[i];
        al[3 + i] = lens ? lens[i] : strlen(argv[i]);
    }
    return argc + 3;
}

static int is_noscript(const redisReply *rep)
{
    return rep->type == REDIS_REPLY_ERROR && !strncmp(rep->str, "NOSCRIPT", 8);
}

redisReply *rstore_script(rstore *r, rstore_sid s, int nkeys, int argc, const char **argv,
                          const size_t *lens)
{
    const char *av[MAX_ARGS];
    size_t al[MAX_ARGS];
    char nk[8];
    if (!conn(r))
        return NULL;
    int n = script_argv("EVALSHA", r->sha[s], nkeys, argc, argv, lens, av, al, nk);
    if (n < 0)
        return NULL;
    redisReply *rep = rstore_cmd(r, n, av, al);
    if (rep && is_noscript(rep)) {
        freeReplyObject(rep);
        script_argv("EVAL", scripts[s], nkeys, argc, argv, lens, av, al, nk);
        rep = rstore_cmd(r, n, av, al);
    }
    return rep;
}

int rstore_pipe_begin(rstore *r)
{
    return conn(r) ? 0 : -1;
}

int rstore_pipe_script(rstore *r, rstore_sid s, int nkeys, int argc, const char **argv,
                       const size_t *lens)
{
    const char *av[MAX_ARGS];
    size_t al[MAX_ARGS];
    char nk[8];
    if (!r->c)
        return -1;
    int n = script_argv("EVALSHA", r->sha[s], nkeys, argc, argv, lens, av, al, nk);
    if (n < 0 || redisAppendCommandArgv(r->c, n, av, al) != REDIS_OK)
        return -1;
    return 0;
}

redisReply *rstore_pipe_reply(rstore *r)
{
    void *rep = NULL;
    if (!r->c)
        return NULL;
    if (redisGetReply(r->c, &rep) != REDIS_OK || !rep) {
        drop(r);
        return NULL;
    }
    return rep;
}
