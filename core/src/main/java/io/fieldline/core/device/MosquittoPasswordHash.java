package io.fieldline.core.device;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A device password stored as a salted PBKDF2-HMAC-SHA512 hash, in the text form of Mosquitto's password file
 * ({@code mosquitto_passwd}'s default since Mosquitto 2.0): {@code $7$<iterations>$<base64 salt>$<base64 hash>},
 * a 12-byte salt and a 64-byte derived key, standard base64 with padding. The same string is kept in PostgreSQL
 * ({@code device_credential.password_hash}), checked by the embedded broker, and written verbatim into a
 * Mosquitto password file, which reads the iteration count from the string itself.
 *
 * <p>The key is derived from the password's UTF-8 bytes, as Mosquitto does. The JDK's
 * {@code PBKDF2WithHmacSHA512} is not used because it takes the password as chars and encodes them its own way;
 * the derivation here is RFC 8018's, over {@link Mac}.
 *
 * @param iterations PBKDF2 iterations
 * @param salt       the salt
 * @param hash       the derived key
 */
public record MosquittoPasswordHash(int iterations, byte[] salt, byte[] hash) {

    /** Mosquitto's identifier of PBKDF2-HMAC-SHA512 in its password file. */
    public static final String PREFIX = "$7$";

    /**
     * Iterations of new hashes. Passwords that {@code fieldline devices credentials} issues are 192 random bits,
     * which no amount of guessing reaches, so stretching is defence in depth for a stolen hash of a password an
     * operator chose. 10,000 iterations cost 8 to 10 ms of one core per check on the development machines
     * (2 shared cores), so a thousand devices reconnecting at once after a broker restart cost about ten seconds
     * of CPU, once (the embedded broker remembers a verified password until its hash changes); Mosquitto's own
     * default, 101, makes a stolen hash a hundred times cheaper to attack.
     */
    public static final int DEFAULT_ITERATIONS = 10_000;

    /** Salt bytes, as {@code mosquitto_passwd} makes them. */
    public static final int SALT_BYTES = 12;

    /** Bytes of the derived key: one SHA-512 block, as {@code mosquitto_passwd} makes them. */
    public static final int HASH_BYTES = 64;

    /** Fewer iterations than this are refused when parsing: a hash that cheap protects nothing. */
    public static final int MIN_ITERATIONS = 100;

    /** More iterations than this are refused when parsing, so a hostile row cannot stall every connect. */
    public static final int MAX_ITERATIONS = 10_000_000;

    private static final SecureRandom RANDOM = new SecureRandom();

    public MosquittoPasswordHash {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be positive, got " + iterations);
        }
        Objects.requireNonNull(salt, "salt");
        Objects.requireNonNull(hash, "hash");
        salt = salt.clone();
        hash = hash.clone();
    }

    /** Hashes a password with a new random salt and {@link #DEFAULT_ITERATIONS}. */
    public static MosquittoPasswordHash of(String password) {
        return of(password, DEFAULT_ITERATIONS);
    }

    /** Hashes a password with a new random salt. */
    public static MosquittoPasswordHash of(String password, int iterations) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return of(password, salt, iterations);
    }

    /** Hashes a password with the given salt (for tests against {@code mosquitto_passwd}). */
    public static MosquittoPasswordHash of(String password, byte[] salt, int iterations) {
        Objects.requireNonNull(password, "password");
        byte[] secret = utf8(password);
        try {
            return new MosquittoPasswordHash(iterations, salt, pbkdf2(secret, salt, iterations));
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /**
     * Reads the text form.
     *
     * @throws IllegalArgumentException saying what is wrong (never echoing the hash)
     */
    public static MosquittoPasswordHash parse(String encoded) {
        Objects.requireNonNull(encoded, "encoded");
        if (!encoded.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a PBKDF2-SHA512 password hash: it does not start with " + PREFIX);
        }
        String[] parts = encoded.substring(PREFIX.length()).split("\\$", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("a password hash has the form $7$<iterations>$<salt>$<hash>");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the iteration count of a password hash is not a number");
        }
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("the iteration count of a password hash must be between "
                    + MIN_ITERATIONS + " and " + MAX_ITERATIONS + ", got " + iterations);
        }
        try {
            byte[] salt = Base64.getDecoder().decode(parts[1]);
            byte[] hash = Base64.getDecoder().decode(parts[2]);
            if (salt.length == 0 || hash.length != HASH_BYTES) {
                throw new IllegalArgumentException(
                        "a password hash needs a salt and a " + HASH_BYTES + "-byte derived key");
            }
            return new MosquittoPasswordHash(iterations, salt, hash);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("a password hash")) {
                throw e;
            }
            throw new IllegalArgumentException("the salt or hash of a password hash is not base64");
        }
    }

    /** Whether {@code password} is the one this hash was made from; constant time in the comparison. */
    public boolean matches(String password) {
        if (password == null) {
            return false;
        }
        byte[] secret = utf8(password);
        try {
            return MessageDigest.isEqual(hash, pbkdf2(secret, salt, iterations));
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** Whether the password, given as bytes (an MQTT CONNECT carries bytes), is the one this hash was made from. */
    public boolean matches(byte[] password) {
        if (password == null) {
            return false;
        }
        return MessageDigest.isEqual(hash, pbkdf2(password, salt, iterations));
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] hash() {
        return hash.clone();
    }

    /** The text form, {@code $7$<iterations>$<base64 salt>$<base64 hash>}. */
    public String encoded() {
        Base64.Encoder base64 = Base64.getEncoder();
        return PREFIX + iterations + "$" + base64.encodeToString(salt) + "$" + base64.encodeToString(hash);
    }

    /** Never shows the hash: a record's default would print it into a log. */
    @Override
    public String toString() {
        return "MosquittoPasswordHash[PBKDF2-HMAC-SHA512, " + iterations + " iterations]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MosquittoPasswordHash that
                && iterations == that.iterations
                && Arrays.equals(salt, that.salt)
                && Arrays.equals(hash, that.hash);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * iterations + Arrays.hashCode(salt)) + Arrays.hashCode(hash);
    }

    private static byte[] utf8(String password) {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        if (encoded.hasArray()) {
            Arrays.fill(encoded.array(), (byte) 0);
        }
        return bytes;
    }

    /** PBKDF2 (RFC 8018, section 5.2) with HMAC-SHA512 and one block of output: exactly 64 bytes. */
    private static byte[] pbkdf2(byte[] password, byte[] salt, int iterations) {
        try {
            Mac mac = Mac.getInstance("HmacSHA512");
            // An empty key is legal in HMAC but not in SecretKeySpec; HMAC pads keys with zeros, so one
            // zero byte is the same key.
            mac.init(new SecretKeySpec(password.length == 0 ? new byte[1] : password, "HmacSHA512"));
            mac.update(salt);
            mac.update(new byte[] {0, 0, 0, 1});
            byte[] u = mac.doFinal();
            byte[] result = u.clone();
            for (int i = 1; i < iterations; i++) {
                u = mac.doFinal(u);
                for (int j = 0; j < result.length; j++) {
                    result[j] ^= u[j];
                }
            }
            return result;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA512 is missing from this JVM", e);
        }
    }
}
