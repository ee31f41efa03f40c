/**
 * A Redis lock done right: {@code SET NX PX} with a unique owner token per acquisition, release and renewal
 * only while the token is still ours (Lua compare-and-delete / compare-and-pexpire), automatic lease renewal,
 * and a monotonically increasing fencing token for the protected resource to check.
 *
 * <p>Start at {@link dev.redsaga.client.lock.RedisLocks}. A lock is an efficiency device: it keeps
 * concurrent workers from doing the same work, but pauses, lease expiry and Redis failover can give two
 * holders at once. Correctness comes from the resource refusing stale fencing tokens
 * ({@code docs/redis-lock.md}). Needs Lettuce (an optional dependency of this module) on the classpath.
 */
package dev.redsaga.client.lock;
