package io.fieldline.embedded.tls;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * TLS material for servers on loopback, generated in this process: a certificate authority of its own, a server
 * certificate for {@code 127.0.0.1} and {@code localhost} signed by it, and a client certificate (for mutual TLS),
 * written as PKCS12 stores (and the CA also as PEM) into one directory with owner-only permissions.
 *
 * <p>Keys are EC P-256 (generated in milliseconds, unlike RSA); certificates are valid for a year. Nothing here is
 * meant for production: it gives the embedded servers and the tests real TLS without files in the repository.
 *
 * @param directory          where the files are
 * @param caCertificate      the CA certificate, PEM: what a client trusts ({@code MQTT_CA_FILE}, {@code curl --cacert})
 * @param truststore         PKCS12 trust store holding the CA certificate
 * @param serverKeystore     PKCS12 key store with the server key and certificate chain (alias {@code server})
 * @param clientKeystore     PKCS12 key store with the client key and certificate chain (alias {@code client})
 * @param password           password of the three stores and of the keys in them
 * @param clientCommonName   the client certificate's common name (a principal {@code CN=...} in mutual TLS)
 */
public record LocalTls(
        Path directory,
        Path caCertificate,
        Path truststore,
        Path serverKeystore,
        Path clientKeystore,
        String password,
        String clientCommonName) {

    public static final String STORE_TYPE = "PKCS12";
    private static final Duration VALIDITY = Duration.ofDays(365);
    private static final SecureRandom RANDOM = new SecureRandom();

    public LocalTls {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(password, "password");
    }

    /** A password of 128 random bits, hex: for generated stores and users of the embedded servers. */
    public static String randomSecret() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * Generates a CA, a server and a client certificate into {@code directory} (created if missing).
     *
     * @param directory        where to write {@code ca.pem}, {@code truststore.p12}, {@code server.p12}, {@code client.p12}
     * @param clientCommonName common name of the client certificate
     * @return the files and their password
     */
    public static LocalTls generate(Path directory, String clientCommonName) {
        try {
            Files.createDirectories(directory);
            String password = randomSecret();
            Instant now = Instant.now();
            KeyPair caKeys = keyPair();
            X500Name caName = new X500Name("CN=Fieldline local CA " + now.getEpochSecond());
            X509Certificate ca = sign(caName, caKeys, caName, caKeys.getPublic(), now, builder -> {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            });

            KeyPair serverKeys = keyPair();
            X509Certificate server =
                    sign(caName, caKeys, new X500Name("CN=localhost"), serverKeys.getPublic(), now, builder -> {
                        builder.addExtension(
                                Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                                    new GeneralName(GeneralName.dNSName, "localhost")
                                }));
                        // Server and client use: a KRaft node also connects to its own controller listener.
                        builder.addExtension(
                                Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                                    KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                                }));
                    });

            KeyPair clientKeys = keyPair();
            X509Certificate client = sign(
                    caName,
                    caKeys,
                    new X500Name("CN=" + clientCommonName),
                    clientKeys.getPublic(),
                    now,
                    builder -> builder.addExtension(
                            Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth)));

            LocalTls tls = new LocalTls(
                    directory,
                    directory.resolve("ca.pem"),
                    directory.resolve("truststore.p12"),
                    directory.resolve("server.p12"),
                    directory.resolve("client.p12"),
                    password,
                    clientCommonName);
            writeOwnerOnly(tls.caCertificate, pem(ca).getBytes(StandardCharsets.US_ASCII));
            KeyStore trust = KeyStore.getInstance(STORE_TYPE);
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca);
            store(trust, tls.truststore, password);
            store(keyStore("server", serverKeys, server, ca, password), tls.serverKeystore, password);
            store(keyStore("client", clientKeys, client, ca, password), tls.clientKeystore, password);
            return tls;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write TLS material to " + directory, e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("Cannot generate TLS material", e);
        }
    }

    private interface Extensions {
        void add(X509v3CertificateBuilder builder) throws CertIOException;
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(
            X500Name issuer,
            KeyPair issuerKeys,
            X500Name subject,
            java.security.PublicKey subjectKey,
            Instant now,
            Extensions extensions)
            throws GeneralSecurityException, OperatorCreationException, CertIOException {
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                issuer,
                new BigInteger(64, RANDOM).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofMinutes(5))),
                Date.from(now.plus(VALIDITY)),
                subject,
                subjectKey);
        extensions.add(builder);
        return new JcaX509CertificateConverter()
                .getCertificate(
                        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }

    private static KeyStore keyStore(
            String alias, KeyPair keys, X509Certificate certificate, X509Certificate ca, String password)
            throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance(STORE_TYPE);
        store.load(null, null);
        store.setKeyEntry(alias, keys.getPrivate(), password.toCharArray(), new Certificate[] {certificate, ca});
        return store;
    }

    private static void store(KeyStore store, Path file, String password) throws GeneralSecurityException, IOException {
        createOwnerOnly(file);
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password.toCharArray());
        }
    }

    private static void writeOwnerOnly(Path file, byte[] content) throws IOException {
        createOwnerOnly(file);
        Files.write(file, content);
    }

    private static void createOwnerOnly(Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }

    private static String pem(X509Certificate certificate) throws GeneralSecurityException {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    /** The files, for listing; never the password. */
    public List<Path> files() {
        return List.of(caCertificate, truststore, serverKeystore, clientKeystore);
    }

    @Override
    public String toString() {
        return "LocalTls[" + directory + "]";
    }
}
