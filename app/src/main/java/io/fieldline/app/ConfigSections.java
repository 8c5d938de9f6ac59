package io.fieldline.app;

import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Configuration sections that a build adds to the {@link ConfigReference} beyond the product's own,
 * found with {@link java.util.ServiceLoader}: the developer build adds the embedded servers' keys, so
 * that {@code config check} knows them and {@code config docs} lists them.
 */
public interface ConfigSections {

    /** Section title to definition, in the order the reference lists them. */
    Map<String, ConfigDef> sections();
}
