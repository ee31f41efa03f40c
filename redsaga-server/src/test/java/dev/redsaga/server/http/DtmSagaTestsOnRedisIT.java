package dev.redsaga.server.http;

import dev.redsaga.client.testing.TestServices;

/** {@link DtmSagaTestsPortIT} on Redis: every DTM scenario on every store. */
class DtmSagaTestsOnRedisIT extends DtmSagaTestsPortIT {
    @Override
    protected String store() {
        TestServices.requireRedis();
        return TestServices.REDIS_URI + "?prefix=rs-port-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    }
}
