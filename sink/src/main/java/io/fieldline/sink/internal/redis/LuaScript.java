package io.fieldline.sink.internal.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A Lua script of the Redis sink with the SHA-1 digest EVALSHA names it by. */
public record LuaScript(String name, String body, String sha) {

    static final LuaScript HSET_IF_NEWER = load("hset_if_newer.lua");
    static final LuaScript ALERT_TRANSITION = load("alert_transition.lua");
    static final LuaScript ANOMALY_FLAG = load("anomaly_flag.lua");

    static LuaScript load(String resource) {
        try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing script resource " + resource);
            }
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new LuaScript(resource, body, sha1(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String body) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JVM", e);
        }
    }
}
