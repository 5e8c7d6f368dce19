package dev.vit4j.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * What Jetty answers itself, before a request reaches a route (headers too large: 431, a URI too long: 414, a path
 * with {@code %00} or {@code /../}: 400), as the routes answer: one line of JSON, counted in {@code /metrics}.
 * Jetty's own error pages are HTML and were invisible to the metrics.
 */
final class JettyErrors extends ErrorHandler {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ServerMetrics metrics;

    JettyErrors(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        metrics.request("other", "other", status, 0);
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(body(status, reason));
    }

    @Override
    public void handle(String target, Request baseRequest, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        int status = response.getStatus();
        metrics.request("other", request.getMethod() == null ? "other" : request.getMethod(), status, 0);
        baseRequest.setHandled(true);
        byte[] body = body(status, (String) request.getAttribute(RequestDispatcher.ERROR_MESSAGE));
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    private static byte[] body(int status, String reason) {
        String text = HttpStatus.getMessage(status)
                + (reason == null || reason.isBlank() || reason.equals(HttpStatus.getMessage(status))
                        ? ""
                        : ": " + reason);
        try {
            return JSON.writeValueAsBytes(Map.of("error", text.split("[\r\n]", 2)[0]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
