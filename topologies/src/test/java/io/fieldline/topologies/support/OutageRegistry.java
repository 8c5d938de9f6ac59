package io.fieldline.topologies.support;

import io.fieldline.schemas.registry.InMemorySchemaRegistryClient;
import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.fieldline.schemas.registry.SchemaRegistryException;
import io.fieldline.schemas.registry.SchemaVersion;
import java.net.ConnectException;
import java.util.List;
import org.apache.avro.Schema;

/**
 * A registry that can be taken down: while down, every call fails the way the HTTP client fails
 * when the registry cannot be reached after its retries (no status, transient). The schemas live in
 * a shared {@link InMemorySchemaRegistryClient}, so a second catalogue on {@link #healthy()} keeps
 * serializing test input during the outage.
 */
public final class OutageRegistry implements SchemaRegistryClient {

    private final InMemorySchemaRegistryClient schemas = new InMemorySchemaRegistryClient();
    private volatile boolean down;

    /** Makes every call fail (true) or work (false). */
    public void down(boolean down) {
        this.down = down;
    }

    /** The registry behind the outage, always up. */
    public SchemaRegistryClient healthy() {
        return schemas;
    }

    private void check(String what) {
        if (down) {
            throw new SchemaRegistryException(
                    "schema registry unreachable: " + what,
                    SchemaRegistryException.NO_STATUS,
                    SchemaRegistryException.NO_STATUS,
                    new ConnectException("Connection refused"));
        }
    }

    @Override
    public int register(String subject, Schema schema) {
        check("register " + subject);
        return schemas.register(subject, schema);
    }

    @Override
    public Schema getById(int id) {
        check("schema " + id);
        return schemas.getById(id);
    }

    @Override
    public int lookup(String subject, Schema schema) {
        check("lookup " + subject);
        return schemas.lookup(subject, schema);
    }

    @Override
    public SchemaVersion latest(String subject) {
        check("latest " + subject);
        return schemas.latest(subject);
    }

    @Override
    public SchemaVersion version(String subject, int version) {
        check("version " + subject);
        return schemas.version(subject, version);
    }

    @Override
    public List<String> subjects() {
        check("subjects");
        return schemas.subjects();
    }

    @Override
    public List<Integer> versions(String subject) {
        check("versions " + subject);
        return schemas.versions(subject);
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        check("compatibility " + subject);
        return schemas.isCompatible(subject, schema);
    }

    @Override
    public String compatibility(String subjectOrNull) {
        check("config");
        return schemas.compatibility(subjectOrNull);
    }

    @Override
    public void setCompatibility(String subjectOrNull, String level) {
        check("config");
        schemas.setCompatibility(subjectOrNull, level);
    }

    @Override
    public List<Integer> deleteSubject(String subject) {
        check("delete " + subject);
        return schemas.deleteSubject(subject);
    }
}
