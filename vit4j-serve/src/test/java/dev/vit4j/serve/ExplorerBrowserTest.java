package dev.vit4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.Vit4j;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.LoadedModel;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The explorer page in a real browser (Debian's headless chromium through chromedriver and Selenium): it lists the
 * models, takes an uploaded image, shows the top 5 the library gives, the overlay and every head's map, switches
 * models (rollout for a ViT). The screenshot lands in target/explorer.png (docs/serving-explorer.png is one).
 */
class ExplorerBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    /** Selenium warns that it has no DevTools bindings for this chromium; the test needs none. Held: loggers are weak. */
    private static final java.util.logging.Logger SELENIUM_DEVTOOLS_LOG =
            java.util.logging.Logger.getLogger("org.openqa.selenium.devtools");

    @TempDir
    Path dir;

    @Test
    void thePageShowsPredictionsOverlayAndHeadMaps() throws IOException {
        Assumptions.assumeTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "skipped: needs Debian's chromium and chromium-driver (.ci/run installs them)");
        Path shapes = ServeFixtures.shapesModel(dir);
        Path vit = ServeFixtures.vitMicro(dir);
        byte[] png = ServeFixtures.shapePng(5);
        Path image = Files.write(dir.resolve("shape.png"), png);
        String expectedTop;
        try (Vit4j library =
                Vit4j.load(shapes.toString(), Vit4j.Options.defaults().withThreads(1))) {
            expectedTop = library.predict(png, 1).get(0).label();
        }
        Map<String, Supplier<LoadedModel>> models = new LinkedHashMap<>();
        models.put("shapes", () -> LoadedModel.load((String) null, shapes));
        models.put("vit", () -> LoadedModel.load((String) null, vit));
        SELENIUM_DEVTOOLS_LOG.setLevel(java.util.logging.Level.SEVERE);
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments(
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--window-size=1100,1000",
                        "--user-data-dir=" + dir.resolve("profile"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .build();
        try (VitServer server =
                VitServer.start(models, ServeOptions.defaults().withPort(0).withEngine(EngineType.ONNX, 1))) {
            server.awaitReady();
            ChromeDriver browser = new ChromeDriver(service, options);
            try {
                browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
                browser.get("http://127.0.0.1:" + server.port() + "/");
                waitFor(
                        () -> browser.findElements(By.cssSelector("#model option"))
                                        .size()
                                == 2,
                        "the model list");
                browser.findElement(By.id("file")).sendKeys(image.toString());
                waitFor(
                        () -> browser.findElements(By.cssSelector("#predictions li"))
                                                .size()
                                        == 5
                                && overlayShown(browser),
                        "predictions and overlay");
                String top = browser.findElements(By.cssSelector("#predictions li"))
                        .get(0)
                        .getText();
                assertTrue(top.startsWith(expectedTop + " — "), top + " (library: " + expectedTop + ")");
                assertEquals(
                        2 * 4,
                        browser.findElements(By.cssSelector("canvas.head-map")).size(),
                        "two class-attention blocks × four heads");
                assertTrue(browser.findElement(By.id("status")).getText().contains("done"));
                File shot = browser.getScreenshotAs(OutputType.FILE);
                Files.copy(
                        shot.toPath(),
                        Path.of("target", "explorer.png"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);

                browser.findElement(By.cssSelector("#model option[value=vit]")).click();
                waitFor(
                        () -> browser.findElement(By.id("status")).getText().contains("vit · done")
                                && browser.findElement(By.id("rollout-box")).isDisplayed(),
                        "the ViT's answer with rollout");
                WebElement caption = browser.findElement(By.id("overlay-caption"));
                assertTrue(caption.getText().contains("blocks."), caption.getText());
            } finally {
                browser.quit();
            }
        }
    }

    private static boolean overlayShown(ChromeDriver browser) {
        Object w = ((JavascriptExecutor) browser)
                .executeScript(
                        "const i = document.getElementById('overlay'); return i.complete && i.src.startsWith('blob:') ? i.naturalWidth : 0;");
        return w instanceof Number n && n.intValue() > 0;
    }

    /** Polls for at most a minute: the page answers in well under a second. */
    private static void waitFor(BooleanSupplier condition, String what) {
        long until = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("the page never showed " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
