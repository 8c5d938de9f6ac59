package io.fieldline.app;

import org.apache.kafka.common.utils.AppInfoParser;
import picocli.CommandLine.IVersionProvider;

final class VersionProvider implements IVersionProvider {

    @Override
    public String[] getVersion() {
        String own = VersionProvider.class.getPackage().getImplementationVersion();
        return new String[] {
            "fieldline " + (own == null ? "development build" : own),
            "Kafka clients " + AppInfoParser.getVersion(),
            "Java " + Runtime.version()
        };
    }
}
