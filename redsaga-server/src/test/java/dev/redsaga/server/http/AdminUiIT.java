package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.client.testing.TestServices;
import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.AccessPolicy;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.RawApi;
import dev.redsaga.server.testing.ScriptedBranches;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator UI in a real headless Chromium (Debian's, through its chromedriver) against a real coordinator that
 * requires tokens: sign in with the admin token, find the failed saga by its status, see its branches and the
 * error that failed it (shown as text, never as markup), then retry a saga stuck in a long backoff, which then
 * succeeds. Screenshots of the list and of a transaction go to target/ (docs/img holds copies).
 */
class AdminUiIT {
    static final String ADMIN = "admin-" + UUID.randomUUID();
    static final String SUBMIT = "submit-" + UUID.randomUUID();
    /** A branch's message that is markup: the page must show it, not run it. */
    static final String MARKUP = "<img src=x onerror=document.title='pwned'>";
    static RedsagaServer server;
    static ScriptedBranches branches;
    static WebDriver browser;

    @BeforeAll
    static void start() throws Exception {
        Path chromium = TestServices.requireCommand("chromium", "Debian's chromium package; .ci/run installs it");
        Path chromedriver = TestServices.requireCommand("chromedriver", "Debian's chromium-driver package");
        // a 30 s retry interval: the stuck saga waits for the operator's "retry now"
        server = RedsagaServer.start(ServerConfig.builder().port(0).store("h2:mem:admin-ui-" + UUID.randomUUID())
                .engine(EngineOptions.builder().defaultRequestTimeoutMs(2_000).defaultRetryIntervalMs(30_000)
                .leaseMs(5_000).claimBatch(100).pollIntervalMs(100).maxConcurrentDrives(64).build())
                .maxRequestBytes(1 << 20).instanceId("admin-ui")
                .access(AccessPolicy.of("127.0.0.1", List.of(SUBMIT), List.of(ADMIN), false, List.of())).build());
        branches = new ScriptedBranches();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900");
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort().build(), options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (branches != null) {
            branches.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static void submit(String gid, String body) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(server.baseUrl() + "/api/dtmsvr/submit")).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + SUBMIT).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static String saga(String gid) {
        return "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\",\"wait_result\":true,\"steps\":["
                + "{\"action\":\"" + branches.url("/" + gid + "/a1") + "\",\"compensate\":\"" + branches.url("/" + gid + "/c1") + "\"},"
                + "{\"action\":\"" + branches.url("/" + gid + "/a2") + "\",\"compensate\":\"" + branches.url("/" + gid + "/c2") + "\"}],"
                + "\"payloads\":[\"{\\\"sku\\\":7}\",\"{}\"]}";
    }

    private static WebDriverWait waiting() {
        return new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    private static void screenshot(String name) throws Exception {
        Path target = Path.of("target", name);
        Files.write(target, ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void anOperatorFindsAFailedSagaAndRetriesAStuckOne() throws Exception {
        branches.script("/ui-failed/a2", new Answer(409, "{\"dtm_result\":\"FAILURE\",\"message\":\"out of stock\"}",
                0));
        branches.script("/ui-markup/a1", new Answer(409, "{\"dtm_result\":\"FAILURE\",\"message\":\"" + MARKUP
                + "\"}", 0));
        branches.script("/ui-stuck/a1", Answer.ERROR); // then SUCCESS, once called again
        submit("ui-ok", saga("ui-ok"));
        submit("ui-failed", saga("ui-failed").replace("\"wait_result\":true,", ""));
        submit("ui-stuck", saga("ui-stuck").replace("\"wait_result\":true,", ""));
        submit("ui-markup", saga("ui-markup").replace("\"wait_result\":true,", ""));
        for (String gid : new String[] {"ui-failed", "ui-markup"}) {
            Await.until(Duration.ofSeconds(10), gid + " fails", () -> server.store().find(gid)
                    .map(r -> r.status() == TransStatus.FAILED).orElse(false));
        }
        Await.until(Duration.ofSeconds(10), "ui-stuck's first try answered", () -> branches.calls().stream()
                .anyMatch(c -> c.path().equals("/ui-stuck/a1")));

        // the API needs a token: the page asks for it
        browser.get(server.baseUrl() + "/admin");
        WebElement token = waiting().until(d -> d.findElement(By.id("token")));
        token.sendKeys(ADMIN);
        browser.findElement(By.cssSelector("#token-form button")).click();
        waiting().until(d -> d.findElements(By.cssSelector("#transactions tbody tr")).size() == 4);
        assertThat(browser.findElements(By.cssSelector("#transactions tbody tr")))
                .extracting(r -> r.getAttribute("data-gid"))
                .containsExactlyInAnyOrder("ui-ok", "ui-failed", "ui-stuck", "ui-markup");
        screenshot("admin-list.png");

        // search by the start of a gid, then by status
        browser.findElement(By.name("gidPrefix")).sendKeys("ui-s");
        browser.findElement(By.id("search")).click();
        waiting().until(d -> d.findElements(By.cssSelector("#transactions tbody tr")).size() == 1);
        assertThat(browser.findElement(By.cssSelector("#transactions tbody tr")).getAttribute("data-gid"))
                .isEqualTo("ui-stuck");
        browser.findElement(By.name("gidPrefix")).clear();
        new Select(browser.findElement(By.name("status"))).selectByValue("failed");
        browser.findElement(By.id("search")).click();
        waiting().until(d -> d.findElements(By.cssSelector("#transactions tbody tr")).size() == 2);
        WebElement failed = browser.findElement(By.cssSelector("#transactions tbody tr[data-gid='ui-failed']"));

        // its page: the branches, the one that failed it, its error as text
        failed.findElement(By.tagName("a")).click();
        WebElement action02 = waiting().until(d -> d.findElement(By.cssSelector("#branches tr[data-branch='02-action']")));
        assertThat(action02.findElement(By.cssSelector(".status")).getText()).isEqualTo("failed");
        assertThat(action02.findElement(By.cssSelector(".last-error")).getText()).isEqualTo("HTTP 409: out of stock");
        assertThat(browser.findElements(By.cssSelector("#timeline li"))).hasSize(6);
        assertThat(browser.findElement(By.id("retry")).isEnabled()).as("a failed saga is over").isFalse();
        screenshot("admin-detail.png");

        // a branch's message that is markup is shown as text, on the list and on the page
        browser.get(server.baseUrl() + "/admin#/tx/ui-markup");
        WebElement markup = waiting().until(d -> d.findElement(By.cssSelector("#branches tr[data-branch='01-action']")));
        assertThat(markup.findElement(By.cssSelector(".last-error")).getText()).contains(MARKUP);
        browser.get(server.baseUrl() + "/admin#/");
        waiting().until(d -> d.findElements(By.cssSelector("#transactions tbody tr")).size() == 4);
        assertThat(browser.findElements(By.cssSelector("main img"))).isEmpty();
        assertThat(browser.getTitle()).isEqualTo("redsaga");

        // the stuck one waits 30 s for its next try; retry now, and it succeeds
        browser.get(server.baseUrl() + "/admin#/tx/ui-stuck");
        WebElement status = waiting().until(d -> d.findElement(By.cssSelector("#gid .status")));
        assertThat(status.getText()).isEqualTo("submitted");
        assertThat(browser.findElement(By.cssSelector("#branches tr[data-branch='01-action'] .last-error")).getText())
                .contains("HTTP 500");
        browser.findElement(By.id("retry")).click();
        waiting().until(d -> "succeed".equals(d.findElement(By.cssSelector("#gid .status")).getText()));
        assertThat(new RawApi(server.baseUrl()).get("query?gid=ui-stuck").statusCode()).isEqualTo(401);
        assertThat(branches.calls().stream().filter(c -> "ui-stuck".equals(c.gid()) && "action".equals(c.op())
                && c.path().endsWith("/a1")).count()).isEqualTo(2);

        // a token of the submit scope may not list
        browser.findElement(By.id("forget")).click();
        browser.get(server.baseUrl() + "/admin#/");
        waiting().until(d -> d.findElement(By.id("token"))).sendKeys(SUBMIT);
        browser.findElement(By.cssSelector("#token-form button")).click();
        waiting().until(d -> d.findElement(By.cssSelector("#token-form .error")).getText().contains("admin token"));
    }

    /** The topics page lists each topic with its subscribers; a remark that is markup is shown as text. */
    @Test
    void anOperatorSeesTheTopicsAndTheirSubscribers() throws Exception {
        RawApi api = new RawApi(server.baseUrl());
        for (String url : List.of("http://127.0.0.1:9/stock", "http://127.0.0.1:9/billing")) {
            HttpResponse<String> r = api.send("POST", "/api/dtmsvr/subscribe", "{\"topic\":\"ui_orders\",\"url\":\""
                    + url + "\",\"remark\":\"" + MARKUP.replace("'", "") + "\"}", "Authorization", "Bearer " + ADMIN);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        browser.get(server.baseUrl() + "/admin#/topics");
        waiting().until(d -> !d.findElements(By.id("token")).isEmpty()
                || !d.findElements(By.cssSelector("#topics tbody tr")).isEmpty());
        if (!browser.findElements(By.id("token")).isEmpty()) {
            browser.findElement(By.id("token")).sendKeys(ADMIN);
            browser.findElement(By.cssSelector("#token-form button")).click();
        }
        WebElement row = waiting().until(d -> d.findElement(By.cssSelector("#topics tr[data-topic='ui_orders']")));
        assertThat(row.findElements(By.cssSelector(".subscribers li"))).extracting(WebElement::getText)
                .containsExactly("http://127.0.0.1:9/stock — " + MARKUP.replace("'", ""),
                        "http://127.0.0.1:9/billing — " + MARKUP.replace("'", ""));
        assertThat(browser.findElements(By.cssSelector("main img"))).isEmpty();
        screenshot("admin-topics.png");
        browser.findElement(By.id("nav-transactions")).click();
        waiting().until(d -> !d.findElements(By.id("transactions")).isEmpty());
        // signed out again: the other test of this class starts at the token form, whichever runs first
        browser.findElement(By.id("forget")).click();
        waiting().until(d -> !d.findElements(By.id("token")).isEmpty());
    }

    @Test
    void thePagesKeepToThemselves() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/admin")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("script-src 'self'", "frame-ancestors 'none'");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(page.body()).doesNotContain("<script>").contains("/admin/app.js");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/admin/../api/dtmsvr/all")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isIn(400, 401, 404);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/admin/secret.txt")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
        // another site's page cannot use the operator's browser against the API
        HttpResponse<String> foreign = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                + "/api/dtmsvr/forceStop")).header("Origin", "http://evil.example").header("Authorization", "Bearer "
                + ADMIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"gid\":\"x\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(foreign.statusCode()).isEqualTo(403);
    }
}
