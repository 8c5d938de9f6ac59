package io.fieldline.topologies.support;

import io.fieldline.topologies.TopologySerdes;

/** The serdes the topology tests run with. */
public final class TestSerdes {

    private TestSerdes() {
    }

    public static TopologySerdes topologySerdes() {
        return TopologySerdes.from(PlainAvroSerde::of);
    }
}
