package dev.vit4j.hub;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A response body read piece by piece with a bound on each wait: {@code java.net.http} has no read timeout (its request
 * timeout ends with the headers), and a server that stalls mid-body would otherwise hold a download for ever. One piece
 * is requested at a time, so an unread body does not pile up in memory.
 */
final class TimedBody implements HttpResponse.BodySubscriber<TimedBody>, Flow.Subscriber<List<ByteBuffer>> {
    private static final Object END = new Object();

    private final LinkedBlockingQueue<Object> pieces = new LinkedBlockingQueue<>();
    private final AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
    private final CompletableFuture<TimedBody> self = CompletableFuture.completedFuture(this);
    private boolean ended;

    @Override
    public void onSubscribe(Flow.Subscription s) {
        if (!subscription.compareAndSet(null, s)) {
            s.cancel();
            return;
        }
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        pieces.add(item);
    }

    @Override
    public void onError(Throwable t) {
        pieces.add(t);
    }

    @Override
    public void onComplete() {
        pieces.add(END);
    }

    @Override
    public CompletionStage<TimedBody> getBody() {
        return self;
    }

    /**
     * The next piece of the body, or null at its end; a {@link java.net.SocketTimeoutException} when nothing came for
     * {@code timeout} (the download is then abandoned).
     */
    @SuppressWarnings("unchecked")
    List<ByteBuffer> next(Duration timeout) throws IOException {
        if (ended) {
            return null;
        }
        Object piece;
        try {
            piece = pieces.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel();
            throw new java.io.InterruptedIOException("interrupted while downloading");
        }
        if (piece == null) {
            cancel();
            throw new java.net.SocketTimeoutException("no data for " + timeout.toSeconds() + " s");
        }
        if (piece == END) {
            ended = true;
            return null;
        }
        if (piece instanceof Throwable t) {
            ended = true;
            throw t instanceof IOException io ? io : new IOException(t.getMessage(), t);
        }
        subscription.get().request(1);
        return (List<ByteBuffer>) piece;
    }

    /** Stops the transfer (the connection is not reused). */
    void cancel() {
        ended = true;
        Flow.Subscription s = subscription.get();
        if (s != null) {
            s.cancel();
        }
    }
}
