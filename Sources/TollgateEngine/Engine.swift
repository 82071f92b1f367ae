public enum TollgateEnginePlaceholder {}
