package dev.vit4j.serve;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConnection;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The server's open connections, looked at every quarter second: a connection still sending its request line and
 * headers {@code headerTimeout} after it started is closed (a slowloris client: Jetty's idle timeout restarts with
 * every byte, so one byte every few seconds held a connection for ever); and a stop asks whether a request is still
 * on its way or under way on any of them ({@link #busy}) before the connections are closed.
 */
final class Connections implements AutoCloseable {
    private static final long SWEEP_MILLIS = 250;

    private final long headerTimeoutNanos;
    private final Map<EndPoint, Long> inHeaders = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vit4j-connections");
        t.setDaemon(true);
        return t;
    });
    private volatile Server server;
    private volatile long lastOpened = System.nanoTime();

    Connections(long headerTimeoutMillis) {
        this.headerTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(headerTimeoutMillis);
    }

    /** Starts watching {@code jetty}'s connections (its connectors are made by then). */
    void watch(Server jetty) {
        this.server = jetty;
        for (Connector c : jetty.getConnectors()) {
            c.addBean(new Connection.Listener() {
                @Override
                public void onOpened(Connection connection) {
                    lastOpened = System.nanoTime();
                }

                @Override
                public void onClosed(Connection connection) {}
            });
        }
        timer.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Nanoseconds since a connection was last opened. */
    long sinceLastOpened() {
        return System.nanoTime() - lastOpened;
    }

    private void sweep() {
        Server s = server;
        if (s == null) {
            return;
        }
        long now = System.nanoTime();
        Set<EndPoint> seen = new HashSet<>();
        for (Connector c : s.getConnectors()) {
            for (EndPoint ep : c.getConnectedEndPoints()) {
                HttpParser parser = ep.getConnection() instanceof HttpConnection h ? h.getParser() : null;
                if (parser != null && parser.inHeaderState() && !parser.isStart()) {
                    seen.add(ep);
                    long since = inHeaders.computeIfAbsent(ep, e -> now);
                    if (now - since > headerTimeoutNanos) {
                        ep.close();
                    }
                }
            }
        }
        inHeaders.keySet().retainAll(seen);
    }

    /** Stops taking new connections; those open stay until {@link Server#stop}. */
    void stopAccepting() {
        Server s = server;
        if (s != null) {
            for (Connector c : s.getConnectors()) {
                if (c instanceof ServerConnector sc) {
                    sc.close();
                }
            }
        }
    }

    /**
     * Whether a request is on its way or under way on any connection: being received, handled or answered, or the
     * connection was opened within {@code freshMillis} and its request may still be in flight.
     */
    boolean busy(long freshMillis) {
        Server s = server;
        if (s == null) {
            return false;
        }
        long now = System.currentTimeMillis();
        for (Connector c : s.getConnectors()) {
            for (EndPoint ep : c.getConnectedEndPoints()) {
                if (ep.getConnection() instanceof HttpConnection h
                        && (!h.getParser().isStart()
                                || !h.getHttpChannel().getState().isIdle()
                                || now - ep.getCreatedTimeStamp() < freshMillis)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
