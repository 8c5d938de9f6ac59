package io.fieldline.embedded;

import java.util.Objects;

/** Where clients reach Redis: a {@link RedisServer} started here, or an external server. */
public interface RedisEndpoint {

    /** @return a Redis URI, e.g. {@code redis://127.0.0.1:6379} */
    String url();

    /**
     * @param url the external server's Redis URI
     * @return an endpoint for a server this process neither starts nor stops
     */
    static RedisEndpoint external(String url) {
        Objects.requireNonNull(url, "url");
        return new RedisEndpoint() {
            @Override
            public String url() {
                return url;
            }

            @Override
            public String toString() {
                return "external Redis " + url;
            }
        };
    }
}
