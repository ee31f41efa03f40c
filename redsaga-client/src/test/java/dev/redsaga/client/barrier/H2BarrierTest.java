package dev.redsaga.client.barrier;

/** The barrier contract on embedded H2. */
class H2BarrierTest extends JdbcBarrierContract {
    @Override
    String url() {
        return "jdbc:h2:mem:barrier;DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";
    }

    @Override
    void requireService() {
    }
}
