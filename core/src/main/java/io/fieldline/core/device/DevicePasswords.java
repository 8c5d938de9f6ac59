package io.fieldline.core.device;

import java.security.SecureRandom;
import java.util.Base64;

/** New device passwords: random, URL-safe, with no character a shell, a URL or an env file would mangle. */
public final class DevicePasswords {

    /** Random bytes per password: 192 bits, 32 characters of base64url. */
    public static final int BYTES = 24;

    private static final SecureRandom RANDOM = new SecureRandom();

    private DevicePasswords() {}

    /** A new password of {@value #BYTES} random bytes, base64url without padding. */
    public static String generate() {
        byte[] bytes = new byte[BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
