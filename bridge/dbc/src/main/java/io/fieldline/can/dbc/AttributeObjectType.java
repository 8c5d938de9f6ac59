package io.fieldline.can.dbc;

/** The kind of object an attribute definition ({@code BA_DEF_}) applies to. */
public enum AttributeObjectType {
    /** No object keyword: the whole database (network). */
    NETWORK(""),
    /** {@code BU_}. */
    NODE("BU_"),
    /** {@code BO_}. */
    MESSAGE("BO_"),
    /** {@code SG_}. */
    SIGNAL("SG_"),
    /** {@code EV_}. */
    ENVIRONMENT_VARIABLE("EV_");

    private final String keyword;

    AttributeObjectType(String keyword) {
        this.keyword = keyword;
    }

    /** The DBC keyword, empty for the network. */
    public String keyword() {
        return keyword;
    }
}
