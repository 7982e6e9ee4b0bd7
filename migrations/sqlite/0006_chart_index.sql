-- The explorer's charts count decisions per time bucket by outcome; with the outcome in the
-- index they are counted from the index alone, without reading each decision's row.
CREATE INDEX decisions_created_outcome ON decisions (created_at, latest_outcome);
