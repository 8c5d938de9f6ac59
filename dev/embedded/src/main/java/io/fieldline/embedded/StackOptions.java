package io.fieldline.embedded;

import io.fieldline.core.kafka.KafkaClientConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which components the {@link EmbeddedStack} starts itself and which external servers it uses instead.
 * Build one with {@link #builder()}, or from configuration with {@link #from(EmbeddedConfig)}.
 *
 * @param kafka          an external Kafka cluster, or empty to start a broker
 * @param kafkaBrokers   how many brokers the embedded Kafka has: 1 ({@link KafkaBroker}) or 3 ({@link KafkaCluster})
 * @param kafkaJavaOptions JVM options added to each node JVM of the three-node cluster (none for one broker)
 * @param schemaRegistry an external Schema Registry, or empty to start the embedded one
 * @param postgres       an external PostgreSQL database, or empty to start a server
 * @param redis          an external Redis server, or empty to start one
 * @param mqtt           an external MQTT broker, or empty to start one
 * @param dataDir        the parent of the embedded servers' data directories, or empty for temporary directories
 * @param schemasTopic   the compacted topic the embedded Schema Registry stores schemas in
 * @param mqttPersistence where the embedded MQTT broker keeps sessions and queued messages
 * @param postgresServer  which PostgreSQL to start when {@code postgres} is empty
 * @param mqttAccessControl who may connect to the embedded MQTT broker and what they may do; empty: anyone, anything
 * @param mqttTls         a TLS listener for the embedded MQTT broker; empty: none
 */
public record StackOptions(
        Optional<KafkaEndpoint> kafka,
        int kafkaBrokers,
        List<String> kafkaJavaOptions,
        Optional<SchemaRegistryEndpoint> schemaRegistry,
        Optional<PostgresEndpoint> postgres,
        Optional<RedisEndpoint> redis,
        Optional<MqttEndpoint> mqtt,
        Optional<Path> dataDir,
        String schemasTopic,
        MqttBroker.Persistence mqttPersistence,
        PostgresChoice postgresServer,
        Optional<MqttAccessControl> mqttAccessControl,
        Optional<MqttBroker.Tls> mqttTls) {

    /**
     * Which PostgreSQL the stack starts: zonky's binaries ({@link PostgresServer}), or a throwaway cluster of a
     * PostgreSQL installed on this machine ({@link InstalledPostgresServer}), with or without TimescaleDB.
     *
     * @param binDir    the installed PostgreSQL's bin directory; empty for zonky's, or with TimescaleDB for the
     *                  newest {@code /usr/lib/postgresql/<major>/bin}
     * @param timescale whether to run TimescaleDB (always an installed PostgreSQL)
     */
    public record PostgresChoice(Optional<Path> binDir, boolean timescale) {

        public PostgresChoice {
            Objects.requireNonNull(binDir, "binDir");
        }

        /** zonky's PostgreSQL 17. */
        public static PostgresChoice zonky() {
            return new PostgresChoice(Optional.empty(), false);
        }

        /** TimescaleDB on the newest installed PostgreSQL. */
        public static PostgresChoice newestTimescale() {
            return new PostgresChoice(Optional.empty(), true);
        }

        /**
         * Checks that the installed PostgreSQL this choice needs is there (nothing to check for zonky's), so that a
         * stack fails before it starts anything.
         *
         * @throws IllegalStateException saying how to install TimescaleDB when it is asked for and missing
         */
        public void requireInstalled() {
            if (timescale) {
                PostgresInstallation.withTimescale(binDir);
            } else if (binDir.isPresent()) {
                PostgresInstallation.at(binDir.get());
            }
        }

        /**
         * The server of this choice, not started.
         *
         * @throws IllegalStateException saying how to install TimescaleDB when it is asked for and missing
         */
        public LocalPostgres server(Path dataDir) {
            if (timescale) {
                return new InstalledPostgresServer(
                        PostgresInstallation.withTimescale(binDir), dataDir, true, java.util.Map.of());
            }
            if (binDir.isPresent()) {
                return new InstalledPostgresServer(
                        PostgresInstallation.at(binDir.get()), dataDir, false, java.util.Map.of());
            }
            return new PostgresServer(dataDir, java.util.Map.of());
        }
    }

    /** The topic the embedded Schema Registry uses unless told otherwise, as Confluent's does. */
    public static final String DEFAULT_SCHEMAS_TOPIC = "_schemas";

    public StackOptions {
        Objects.requireNonNull(kafka, "kafka");
        if (kafkaBrokers != 1 && kafkaBrokers != KafkaCluster.SIZE) {
            throw new IllegalArgumentException(
                    "kafkaBrokers must be 1 or " + KafkaCluster.SIZE + ", got " + kafkaBrokers);
        }
        if (kafkaBrokers != 1 && kafka.isPresent()) {
            throw new IllegalArgumentException("kafkaBrokers is for the embedded Kafka, but Kafka is " + kafka.get());
        }
        kafkaJavaOptions = List.copyOf(Objects.requireNonNull(kafkaJavaOptions, "kafkaJavaOptions"));
        for (String option : kafkaJavaOptions) {
            if (!option.startsWith("-")) {
                throw new IllegalArgumentException(
                        "kafkaJavaOptions: not a JVM option (no leading '-'): '" + option + "'");
            }
        }
        if (!kafkaJavaOptions.isEmpty() && kafkaBrokers == 1) {
            throw new IllegalArgumentException("kafkaJavaOptions are for the nodes of a three-node cluster, but"
                    + " kafkaBrokers is 1 (the single broker runs in this JVM)");
        }
        Objects.requireNonNull(schemaRegistry, "schemaRegistry");
        Objects.requireNonNull(postgres, "postgres");
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(mqtt, "mqtt");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(schemasTopic, "schemasTopic");
        Objects.requireNonNull(mqttPersistence, "mqttPersistence");
        Objects.requireNonNull(postgresServer, "postgresServer");
        Objects.requireNonNull(mqttAccessControl, "mqttAccessControl");
        Objects.requireNonNull(mqttTls, "mqttTls");
    }

    /** @return options that start every server in this process, with temporary data directories */
    public static StackOptions allEmbedded() {
        return builder().build();
    }

    /** @return a builder that starts with every server embedded */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @param config the {@code embedded.*} settings (and {@code kafka.*}: a set {@code kafka.bootstrap.servers}
     *               names an external Kafka cluster)
     * @return options where every non-empty endpoint setting names an external server
     */
    public static StackOptions from(EmbeddedConfig config) {
        Builder builder = builder().schemasTopic(config.getString(EmbeddedConfig.SCHEMA_REGISTRY_TOPIC));
        config.externalKafka().ifPresent(builder::externalKafka);
        builder.kafkaBrokers(config.getInt(EmbeddedConfig.KAFKA_BROKERS));
        builder.kafkaJavaOptions(config.kafkaJavaOptions());
        nonEmpty(config.getString(EmbeddedConfig.SCHEMA_REGISTRY_URL)).ifPresent(builder::externalSchemaRegistry);
        nonEmpty(config.getString(EmbeddedConfig.JDBC_URL))
                .ifPresent(url -> builder.externalPostgres(
                        url,
                        config.getString(EmbeddedConfig.JDBC_USER),
                        config.getPassword(EmbeddedConfig.JDBC_PASSWORD).value()));
        nonEmpty(config.getString(EmbeddedConfig.REDIS_URL)).ifPresent(builder::externalRedis);
        nonEmpty(config.getString(EmbeddedConfig.MQTT_URL)).ifPresent(builder::externalMqtt);
        nonEmpty(config.getString(EmbeddedConfig.DATA_DIR)).ifPresent(dir -> builder.dataDir(Path.of(dir)));
        builder.mqttPersistence(
                MqttBroker.Persistence.fromConfigName(config.getString(EmbeddedConfig.MQTT_PERSISTENCE)));
        builder.postgresServer(new PostgresChoice(
                nonEmpty(config.getString(EmbeddedConfig.POSTGRES_BIN_DIR)).map(Path::of),
                config.getBoolean(EmbeddedConfig.POSTGRES_TIMESCALE)));
        return builder.build();
    }

    /**
     * These options with the embedded MQTT broker's authentication and TLS listener.
     *
     * @param accessControl who may connect and what they may do
     * @param tls           the TLS listener, or null for none
     */
    public StackOptions withMqttSecurity(MqttAccessControl accessControl, MqttBroker.Tls tls) {
        return new StackOptions(
                kafka,
                kafkaBrokers,
                kafkaJavaOptions,
                schemaRegistry,
                postgres,
                redis,
                mqtt,
                dataDir,
                schemasTopic,
                mqttPersistence,
                postgresServer,
                Optional.of(accessControl),
                Optional.ofNullable(tls));
    }

    private static Optional<String> nonEmpty(String value) {
        return Optional.ofNullable(value).map(String::trim).filter(v -> !v.isEmpty());
    }

    /** Builds {@link StackOptions}; every component is embedded unless an external one is given. */
    public static final class Builder {
        private KafkaEndpoint kafka;
        private int kafkaBrokers = 1;
        private List<String> kafkaJavaOptions = List.of();
        private SchemaRegistryEndpoint schemaRegistry;
        private PostgresEndpoint postgres;
        private RedisEndpoint redis;
        private MqttEndpoint mqtt;
        private Path dataDir;
        private String schemasTopic = DEFAULT_SCHEMAS_TOPIC;
        private MqttBroker.Persistence mqttPersistence = MqttBroker.Persistence.FILE;
        private PostgresChoice postgresServer = PostgresChoice.zonky();
        private MqttAccessControl mqttAccessControl;
        private MqttBroker.Tls mqttTls;

        private Builder() {}

        /**
         * @param bootstrapServers the external cluster's bootstrap list
         * @return this builder
         */
        public Builder externalKafka(String bootstrapServers) {
            this.kafka = KafkaEndpoint.external(bootstrapServers);
            return this;
        }

        /**
         * @param clients how to reach the external cluster: bootstrap servers and security settings
         * @return this builder
         */
        public Builder externalKafka(KafkaClientConfig clients) {
            this.kafka = KafkaEndpoint.external(clients);
            return this;
        }

        /**
         * @param brokers how many brokers the embedded Kafka has: 1 (in this process) or 3 (a {@link KafkaCluster}
         *                of three processes); only without an external Kafka
         * @return this builder
         */
        public Builder kafkaBrokers(int brokers) {
            this.kafkaBrokers = brokers;
            return this;
        }

        /**
         * @param options JVM options added to each node JVM of the three-node cluster (after its own
         *                {@code -Xmx384m -XX:+UseSerialGC}); only with {@link #kafkaBrokers(int) kafkaBrokers(3)}
         * @return this builder
         */
        public Builder kafkaJavaOptions(List<String> options) {
            this.kafkaJavaOptions = List.copyOf(options);
            return this;
        }

        /**
         * @param url the external registry's base URL
         * @return this builder
         */
        public Builder externalSchemaRegistry(String url) {
            this.schemaRegistry = SchemaRegistryEndpoint.external(url);
            return this;
        }

        /**
         * @param jdbcUrl  the external database's JDBC URL
         * @param user     the user to connect as
         * @param password that user's password
         * @return this builder
         */
        public Builder externalPostgres(String jdbcUrl, String user, String password) {
            this.postgres = PostgresEndpoint.external(jdbcUrl, user, password);
            return this;
        }

        /**
         * @param url the external server's Redis URI
         * @return this builder
         */
        public Builder externalRedis(String url) {
            this.redis = RedisEndpoint.external(url);
            return this;
        }

        /**
         * @param url the external broker's URI
         * @return this builder
         */
        public Builder externalMqtt(String url) {
            this.mqtt = MqttEndpoint.external(url);
            return this;
        }

        /**
         * @param dir the parent of the embedded servers' data directories (each server deletes its own on close)
         * @return this builder
         */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * @param topic the compacted topic the embedded Schema Registry stores schemas in
         * @return this builder
         */
        public Builder schemasTopic(String topic) {
            this.schemasTopic = Objects.requireNonNull(topic, "topic");
            return this;
        }

        /**
         * @param persistence where the embedded MQTT broker keeps sessions and queued messages
         * @return this builder
         */
        public Builder mqttPersistence(MqttBroker.Persistence persistence) {
            this.mqttPersistence = Objects.requireNonNull(persistence, "persistence");
            return this;
        }

        /**
         * @param choice which PostgreSQL to start (when no external one is given)
         * @return this builder
         */
        public Builder postgresServer(PostgresChoice choice) {
            this.postgresServer = Objects.requireNonNull(choice, "choice");
            return this;
        }

        /**
         * @param accessControl who may connect to the embedded MQTT broker and what they may publish and subscribe to
         * @return this builder
         */
        public Builder mqttAccessControl(MqttAccessControl accessControl) {
            this.mqttAccessControl = Objects.requireNonNull(accessControl, "accessControl");
            return this;
        }

        /**
         * @param tls a TLS listener for the embedded MQTT broker, besides its TCP one
         * @return this builder
         */
        public Builder mqttTls(MqttBroker.Tls tls) {
            this.mqttTls = Objects.requireNonNull(tls, "tls");
            return this;
        }

        /** @return the options */
        public StackOptions build() {
            return new StackOptions(
                    Optional.ofNullable(kafka),
                    kafkaBrokers,
                    kafkaJavaOptions,
                    Optional.ofNullable(schemaRegistry),
                    Optional.ofNullable(postgres),
                    Optional.ofNullable(redis),
                    Optional.ofNullable(mqtt),
                    Optional.ofNullable(dataDir),
                    schemasTopic,
                    mqttPersistence,
                    postgresServer,
                    Optional.ofNullable(mqttAccessControl),
                    Optional.ofNullable(mqttTls));
        }
    }
}
