package dev.redsaga.server.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The W3C rules for what a received trace context is worth: a malformed one starts no trace. */
class TraceContextTest {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    @Test
    void aWellFormedContextIsKeptAndItsChildrenShareItsTrace() {
        TraceContext c = TraceContext.of("00-" + TRACE + "-00f067aa0ba902b7-01", "congo=t61rcWkgMzE");
        assertThat(c.isPresent()).isTrue();
        assertThat(c.traceId()).isEqualTo(TRACE);
        assertThat(c.child("1111111111111111").traceParent()).isEqualTo("00-" + TRACE + "-1111111111111111-01");
        assertThat(c.child("1111111111111111").traceState()).isEqualTo("congo=t61rcWkgMzE");
    }

    @Test
    void aLaterVersionIsReadAsVersion00AndItsExtraFieldsDropped() {
        assertThat(TraceContext.of("cc-" + TRACE + "-00f067aa0ba902b7-01-what-comes-later", null).traceParent())
                .isEqualTo("00-" + TRACE + "-00f067aa0ba902b7-01");
    }

    @Test
    void whatDoesNotFollowTheFormatIsIgnored() {
        for (String bad : new String[] {"", "garbage", "00-" + TRACE.toUpperCase() + "-00f067aa0ba902b7-01",
            "ff-" + TRACE + "-00f067aa0ba902b7-01", "00-" + "0".repeat(32) + "-00f067aa0ba902b7-01",
            "00-" + TRACE + "-0000000000000000-01", "00-" + TRACE + "-00f067aa0ba902b7-01-extra",
            "00-" + TRACE + "-00f067aa0ba902b7", "00-" + TRACE + "-00f067aa0ba902b7-01\r\nX: y"}) {
            assertThat(TraceContext.of(bad, "k=v")).as(bad).isEqualTo(TraceContext.NONE);
        }
        assertThat(TraceContext.of(null, "k=v")).isEqualTo(TraceContext.NONE);
    }

    @Test
    void anOversizedOrUnprintableTracestateIsDroppedAndTheParentKept() {
        String parent = "00-" + TRACE + "-00f067aa0ba902b7-01";
        assertThat(TraceContext.of(parent, "k=" + "v".repeat(600)).traceState()).isEmpty();
        assertThat(TraceContext.of(parent, "k=v\nX: y").traceState()).isEmpty();
        assertThat(TraceContext.of(parent, "k=v").traceParent()).isEqualTo(parent);
    }
}
