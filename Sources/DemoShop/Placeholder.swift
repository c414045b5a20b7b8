/// The demo shop; see issue 3.
public enum DemoShopPlaceholder {}
