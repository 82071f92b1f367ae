public enum TollgateLogPlaceholder {}
