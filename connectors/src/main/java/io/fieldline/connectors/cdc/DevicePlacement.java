package io.fieldline.connectors.cdc;

/**
 * Where a device sits: its room and the facility (site) of that room. Either may be null.
 *
 * @param facilityId facility id, the {@code site} of the Device record
 * @param roomId room id, the {@code room} of the Device record
 */
public record DevicePlacement(String facilityId, String roomId) {

    /** A device placed nowhere (no room, no rack). */
    public static final DevicePlacement NOWHERE = new DevicePlacement(null, null);

    /**
     * Resolves a device's room and rack references to its room and facility.
     *
     * <p>The device table references a room (or a rack, which sits in a room); the topologies
     * need the facility too, so the connector resolves it when the device row changes.
     */
    @FunctionalInterface
    public interface Lookup {

        /**
         * @param roomId the device row's room reference, or null
         * @param rackId the device row's rack reference, or null
         * @return the placement; unknown references resolve to what is known (never null)
         */
        DevicePlacement place(String roomId, String rackId);
    }
}
