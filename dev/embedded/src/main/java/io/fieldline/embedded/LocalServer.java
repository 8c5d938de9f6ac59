package io.fieldline.embedded;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A server this process starts with its data in a directory of its own: what every embedded
 * server shares. {@link #close()} stops it once and deletes that directory; a closed server never
 * starts again. Subclasses synchronise {@code start()} and {@code stop()} on the instance, as
 * {@link #close()} does.
 */
abstract class LocalServer implements EmbeddedServer {

    /** The server's own data directory, created if missing, deleted on {@link #close()}. */
    protected final Path dataDir;

    private boolean closed;

    protected LocalServer(Path dataDir) {
        this.dataDir = DataDirectory.create(Objects.requireNonNull(dataDir, "dataDir"));
    }

    /** For the first line of {@code start()}: a closed server never starts again. */
    protected final void ensureOpen(String what) {
        if (closed) {
            throw new IllegalStateException(what + " was closed");
        }
    }

    @Override
    public final synchronized void close() {
        if (closed) {
            return;
        }
        try {
            stop();
        } finally {
            closed = true;
            DataDirectory.delete(dataDir);
        }
    }
}
