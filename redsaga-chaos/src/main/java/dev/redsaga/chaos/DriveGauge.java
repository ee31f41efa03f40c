package dev.redsaga.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** How many sagas a coordinator drives right now: its {@code redsaga_drives_active} gauge, read from its metrics. */
final class DriveGauge {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
    private static final String GAUGE = "redsaga_drives_active";

    private DriveGauge() {
    }

    /** The gauge of the coordinator on 127.0.0.1:{@code port}; 0 when it does not answer. */
    static double read(int port) throws InterruptedException {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/api/metrics")).timeout(Duration.ofMillis(300)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return 0;
            }
            for (String line : r.body().split("\n")) {
                if (line.startsWith(GAUGE) && !line.startsWith("#")) {
                    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
