package io.fieldline.app.ops;

import io.fieldline.app.AppConfig;
import io.fieldline.app.ConfigOptions;
import io.fieldline.app.EndpointOptions;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.schemas.TopicNames;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every operator command shares: where Kafka is (options, configuration, or a running {@code fieldline up}),
 * the topic names under {@code topics.prefix}, and picocli's output streams.
 */
abstract class OpsCommand implements Callable<Integer> {

    @Mixin
    EndpointOptions endpoints;

    @Mixin
    ConfigOptions config;

    @Spec
    CommandSpec spec;

    private Map<String, String> settings;

    Map<String, String> settings() {
        if (settings == null) {
            settings = config.load();
        }
        return settings;
    }

    KafkaClientConfig kafka() {
        return endpoints.kafka(settings());
    }

    Admin admin(String command) {
        return OpsClients.admin(kafka(), command);
    }

    TopicNames names() {
        return new TopicNames(new AppConfig(settings()).getString(AppConfig.TOPICS_PREFIX));
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
