package dev.redsaga.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redsaga.server.config.StoreFactory;
import org.junit.jupiter.api.Test;

/** A store's password never reaches a message, a log line or an answer — Redis Cluster's URI lists included. */
class StoreUrisTest {

    @Test
    void passwordsAreRedactedInEveryForm() {
        assertThat(StoreUris.redact("redis://:hunter2@10.0.0.1:6379/0")).isEqualTo("redis://***@10.0.0.1:6379/0");
        assertThat(StoreUris.redact("redis-cluster://u:hunter2@h1:7000,u:hunter3@h2:7001"))
                .isEqualTo("redis-cluster://***@h1:7000,***@h2:7001");
        assertThat(StoreUris.redact("jdbc:postgresql://db:5432/x?user=u&password=hunter2&ssl=true"))
                .isEqualTo("jdbc:postgresql://db:5432/x?user=u&password=***&ssl=true");
        assertThat(StoreUris.redact("redis://127.0.0.1:6379")).isEqualTo("redis://127.0.0.1:6379");
    }

    @Test
    void storeErrorsDoNotShowThePassword() {
        assertThatThrownBy(() -> StoreFactory.open("redis-cluster://u:hunter2@127.0.0.1:1?wait-replicas=1"))
                .isInstanceOf(StoreException.class).hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> StoreFactory.open("redis-cluster://u:hunter2@127.0.0.1:1?shards=0"))
                .isInstanceOf(StoreException.class).hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> StoreFactory.open("mongodb://u:hunter2@x"))
                .isInstanceOf(StoreException.class).hasMessageNotContaining("hunter2");
    }

    /**
     * A driver that cannot parse a URI echoes parts of it: MariaDB's, given user:password@host (which it does not
     * take), said "Incorrect port value : sekret6@127.0.0.1".
     */
    @Test
    void aDriversMessageDoesNotShowThePasswordEither() {
        assertThatThrownBy(() -> StoreFactory.open("jdbc:mariadb://root:sekret6@127.0.0.1:3306/test"))
                .isInstanceOf(StoreException.class).hasMessageNotContaining("sekret6").hasNoCause();
        assertThat(StoreUris.scrub("bad value sekret6@h and hunter2", "jdbc:x://u:sekret6@h/db?password=hunter2"))
                .isEqualTo("bad value ***@h and ***");
    }
}
