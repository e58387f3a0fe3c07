-- shard_loads counts the users placed on each shard (SPEC §17), kept by a trigger so the count
-- moves in the same statement as the user row: a sign-up that inserts nobody (an email already
-- taken) counts nobody, and no crash between two statements can leave the count behind.
CREATE TRIGGER `users_count_placed` AFTER INSERT ON `users` BEGIN
  INSERT INTO `shard_loads` (`shard`, `users`) VALUES (new.`shard`, 1)
    ON CONFLICT (`shard`) DO UPDATE SET `users` = `users` + 1;
END;
