/// The version of placeplan, shown by `--version` and recorded with saved runs.
public enum PlacePlanVersion {
    public static let current = "0.1.0"
}
