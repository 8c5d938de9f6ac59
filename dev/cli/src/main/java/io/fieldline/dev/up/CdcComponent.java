package io.fieldline.dev.up;

import io.fieldline.connectors.cdc.CdcConfig;
import io.fieldline.connectors.cdc.MetadataCdc;
import io.fieldline.connectors.cdc.MetadataSerializers;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Debezium CDC of the metadata tables into the compacted metadata topics. */
final class CdcComponent {

    private CdcComponent() {}

    static PipelineComponent create(UpContext context) {
        Map<String, Object> config = new HashMap<>(context.configWithEndpoints());
        config.putIfAbsent(CdcConfig.JDBC_URL, context.stack().postgres().jdbcUrl());
        config.putIfAbsent(CdcConfig.JDBC_USER, context.stack().postgres().user());
        config.putIfAbsent(CdcConfig.JDBC_PASSWORD, context.stack().postgres().password());
        config.putIfAbsent(CdcConfig.TOPIC_PREFIX, context.topics().prefix());
        MetadataSerializers serializers = MetadataSerializers.avro(
                new HttpSchemaRegistryClient(context.stack().schemaRegistry().url()));
        MetadataCdc cdc = new MetadataCdc(new CdcConfig(config), serializers, context.meters());
        return Components.of(
                "cdc",
                cdc::start,
                () -> {
                    cdc.close();
                    serializers.close();
                },
                () -> {
                    Map<String, Object> summary = new LinkedHashMap<>();
                    summary.put("changes published", Components.count(context.meters(), "fieldline.cdc.changes"));
                    summary.put("dead letters", Components.count(context.meters(), "fieldline.cdc.dead.letters"));
                    return summary;
                });
    }
}
