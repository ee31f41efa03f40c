package dev.redsaga.client.barrier;

import dev.redsaga.client.testing.TestServices;

/** The barrier contract on PostgreSQL ({@code INSERT ... ON CONFLICT DO NOTHING}). */
class PostgresBarrierIT extends JdbcBarrierContract {
    @Override
    String url() {
        return TestServices.POSTGRES_URL + "?user=" + TestServices.POSTGRES_USER;
    }

    @Override
    void requireService() {
        TestServices.requirePostgres();
    }
}
