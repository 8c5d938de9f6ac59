package io.fieldline.dev;

import io.fieldline.app.ConfigSections;
import io.fieldline.embedded.EmbeddedConfig;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;

/** The embedded servers' keys ({@code embedded.*}), known to the developer build's configuration reference. */
public final class EmbeddedConfigSections implements ConfigSections {

    @Override
    public Map<String, ConfigDef> sections() {
        return Map.of("Servers (embedded or external)", EmbeddedConfig.configDef());
    }
}
